Component({
  options: {
    addGlobalClass: true,
  },
  properties: {
    product: { type: Object, value: {} },
  },
  methods: {
    onTap() {
      this.triggerEvent('open', { id: this.data.product.id });
    },
    onAdd() {
      this.triggerEvent('add', { product: this.data.product });
    },
  },
});
