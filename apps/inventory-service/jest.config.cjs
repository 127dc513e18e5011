module.exports = {
  displayName: 'inventory-service',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
