// Written in TypeScript (project.config.json enables the typescript compiler plugin).

interface PhoneNumberDetail {
  errMsg: string;
  code?: string;
}

interface ProfileData {
  phoneBound: boolean;
  orders: number;
}

Page<ProfileData, WechatMiniprogram.IAnyObject>({
  data: {
    phoneBound: false,
    orders: 0,
  },

  // The button's open-type="getPhoneNumber" hands us a one-time code; the shop's backend
  // exchanges it with /wxa/business/getuserphonenumber.
  onGetPhoneNumber(event: WechatMiniprogram.CustomEvent<PhoneNumberDetail>) {
    const { code } = event.detail;
    if (!code) {
      wx.showToast({ title: 'Phone number not shared', icon: 'none' });
      return;
    }
    wx.request({
      url: 'https://shop.example.com/api/me/phone',
      method: 'POST',
      data: { code },
      success: () => this.setData({ phoneBound: true }),
    });
  },

  openOrders() {
    wx.navigateTo({ url: '/packages/order/pages/detail/detail' });
  },
});
