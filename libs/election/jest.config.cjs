module.exports = {
  displayName: 'election',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
