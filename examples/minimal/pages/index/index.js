const app = getApp();

Page({
  data: {
    greeting: 'Hello from Miniplat',
    taps: 0,
  },
  onLoad() {
    this.setData({ launchedAt: new Date(app.globalData.launchedAt).toLocaleTimeString() });
  },
  onTap() {
    this.setData({ taps: this.data.taps + 1 });
  },
});
