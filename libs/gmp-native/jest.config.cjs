module.exports = {
  displayName: 'gmp-native',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
