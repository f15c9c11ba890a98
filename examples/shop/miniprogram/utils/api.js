// Thin promise wrapper around wx.request against the shop's backend.
const BASE_URL = 'https://shop.example.com/api';

function request(path, { method = 'GET', data } = {}) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${BASE_URL}${path}`,
      method,
      data,
      header: { 'content-type': 'application/json' },
      success(res) {
        if (res.statusCode >= 200 && res.statusCode < 300) {
          resolve(res.data);
        } else {
          reject(new Error(`HTTP ${res.statusCode}`));
        }
      },
      fail: reject,
    });
  });
}

module.exports = {
  listProducts: (category) => request(`/products?category=${encodeURIComponent(category || '')}`),
  getProduct: (id) => request(`/products/${id}`),
  nearbyStores: ({ latitude, longitude }) => request(`/stores?lat=${latitude}&lng=${longitude}`),
  placeOrder: (order) => request('/orders', { method: 'POST', data: order }),
  getOrder: (id) => request(`/orders/${id}`),
  uploadReviewPhoto: (filePath) =>
    new Promise((resolve, reject) => {
      wx.uploadFile({
        url: `${BASE_URL}/reviews/photos`,
        filePath,
        name: 'photo',
        success: (res) => resolve(JSON.parse(res.data)),
        fail: reject,
      });
    }),
};
