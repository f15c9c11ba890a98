const api = require('../../utils/api');
const { addToCart } = require('../../utils/store');

const app = getApp();

Page({
  data: {
    products: [],
    stores: [],
    locating: false,
  },

  onLoad() {
    this.loadProducts();
  },

  onPullDownRefresh() {
    this.loadProducts().finally(() => wx.stopPullDownRefresh());
  },

  loadProducts() {
    return api.listProducts().then((products) => this.setData({ products }));
  },

  // Nearby stores need the user's location; app.json declares getLocation and explains why.
  findNearbyStores() {
    this.setData({ locating: true });
    wx.getLocation({
      type: 'gcj02',
      success: (position) => {
        app.globalData.location = position;
        api.nearbyStores(position).then((stores) => this.setData({ stores }));
      },
      fail: () => wx.showToast({ title: 'Location unavailable', icon: 'none' }),
      complete: () => this.setData({ locating: false }),
    });
  },

  openProduct(event) {
    wx.navigateTo({ url: `/pages/product/product?id=${event.detail.id}` });
  },

  addProduct(event) {
    addToCart(app.globalData.cart, event.detail.product);
    wx.showToast({ title: 'Added to cart' });
  },
});
