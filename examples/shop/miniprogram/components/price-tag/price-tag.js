Component({
  properties: {
    cents: { type: Number, value: 0 },
    original: { type: Number, value: 0 },
  },
  data: {
    yuan: '0.00',
  },
  observers: {
    cents(value) {
      this.setData({ yuan: (value / 100).toFixed(2) });
    },
  },
});
