const { saveCart } = require('../../utils/store');

const app = getApp();

Page({
  data: {
    lines: [],
  },

  onShow() {
    this.setData({ lines: app.globalData.cart });
  },

  changeQuantity(event) {
    const { index, delta } = event.currentTarget.dataset;
    const lines = this.data.lines.slice();
    lines[index].quantity = Math.max(0, lines[index].quantity + Number(delta));
    const kept = lines.filter((line) => line.quantity > 0);
    app.globalData.cart = kept;
    saveCart(kept);
    this.setData({ lines: kept });
  },

  checkout() {
    wx.navigateTo({ url: '/packages/order/pages/checkout/checkout' });
  },
});
