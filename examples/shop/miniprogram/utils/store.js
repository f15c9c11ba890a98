// The cart lives in local storage so it survives restarts.
const CART_KEY = 'cart';

function loadCart() {
  return wx.getStorageSync(CART_KEY) || [];
}

function saveCart(cart) {
  wx.setStorageSync(CART_KEY, cart);
}

function addToCart(cart, product, quantity = 1) {
  const existing = cart.find((line) => line.id === product.id);
  if (existing) {
    existing.quantity += quantity;
  } else {
    cart.push({ id: product.id, title: product.title, price: product.price, quantity });
  }
  saveCart(cart);
  return cart;
}

module.exports = { loadCart, saveCart, addToCart };
