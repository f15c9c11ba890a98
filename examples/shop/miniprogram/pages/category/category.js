const api = require('../../utils/api');

const CATEGORIES = [
  { id: 'fruit', name: 'Fruit' },
  { id: 'dairy', name: 'Dairy' },
  { id: 'bakery', name: 'Bakery' },
  { id: 'drinks', name: 'Drinks' },
];

Page({
  data: {
    categories: CATEGORIES,
    current: CATEGORIES[0].id,
    goods: [],
  },

  onLoad() {
    this.select(this.data.current);
  },

  onSelect(event) {
    this.select(event.currentTarget.dataset.id);
  },

  select(category) {
    this.setData({ current: category });
    api.listProducts(category).then((goods) => this.setData({ goods }));
  },

  openProduct(event) {
    wx.navigateTo({ url: `/pages/product/product?id=${event.currentTarget.dataset.id}` });
  },
});
