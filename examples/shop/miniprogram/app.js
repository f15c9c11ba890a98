const { loadCart } = require('./utils/store');

App({
  globalData: {
    cart: [],
    location: null,
  },

  onLaunch() {
    this.globalData.cart = loadCart();
  },

  cartCount() {
    return this.globalData.cart.reduce((sum, line) => sum + line.quantity, 0);
  },
});
