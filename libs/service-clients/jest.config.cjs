module.exports = {
  displayName: 'service-clients',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
