module.exports = {
  displayName: 'live-view',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
