const api = require('../../../../utils/api');
const { saveCart } = require('../../../../utils/store');

const app = getApp();

Page({
  data: {
    lines: [],
    recipient: '',
    address: '',
    submitting: false,
  },

  onLoad() {
    this.setData({ lines: app.globalData.cart });
  },

  onInput(event) {
    this.setData({ [event.currentTarget.dataset.field]: event.detail.value });
  },

  submit() {
    const { lines, recipient, address } = this.data;
    if (!recipient || !address) {
      wx.showToast({ title: 'Please fill in the delivery details', icon: 'none' });
      return;
    }
    this.setData({ submitting: true });
    api
      .placeOrder({ lines, recipient, address })
      .then((order) => {
        app.globalData.cart = [];
        saveCart([]);
        wx.redirectTo({ url: `/packages/order/pages/detail/detail?id=${order.id}` });
      })
      .finally(() => this.setData({ submitting: false }));
  },
});
