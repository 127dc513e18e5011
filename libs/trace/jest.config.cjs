module.exports = {
  displayName: 'trace',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
