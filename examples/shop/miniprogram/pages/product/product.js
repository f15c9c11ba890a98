const api = require('../../utils/api');
const { addToCart } = require('../../utils/store');

const app = getApp();

Page({
  data: {
    product: null,
    reviewPhotos: [],
  },

  onLoad(query) {
    api.getProduct(query.id).then((product) => {
      this.setData({ product });
      wx.setNavigationBarTitle({ title: product.title });
    });
  },

  addToCart() {
    addToCart(app.globalData.cart, this.data.product);
    wx.showToast({ title: 'Added to cart' });
  },

  // Reviews may carry photos picked from the album or taken with the camera.
  addReviewPhoto() {
    wx.chooseImage({
      count: 3,
      sizeType: ['compressed'],
      sourceType: ['album', 'camera'],
      success: (res) => {
        Promise.all(res.tempFilePaths.map(api.uploadReviewPhoto)).then((uploaded) => {
          this.setData({ reviewPhotos: this.data.reviewPhotos.concat(uploaded) });
        });
      },
    });
  },

  onShareAppMessage() {
    const { product } = this.data;
    return {
      title: product ? product.title : 'Miniplat Shop',
      path: `/pages/product/product?id=${product ? product.id : ''}`,
    };
  },
});
