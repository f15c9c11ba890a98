const api = require('../../../../utils/api');

Page({
  data: {
    order: null,
  },

  onLoad(query) {
    if (query.id) {
      api.getOrder(query.id).then((order) => this.setData({ order }));
    }
  },

  // Customers quote the order number to support, so let them copy it.
  copyOrderNumber() {
    wx.setClipboardData({
      data: this.data.order.number,
      success: () => wx.showToast({ title: 'Order number copied' }),
    });
  },
});
