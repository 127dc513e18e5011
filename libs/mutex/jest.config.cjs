module.exports = {
  displayName: 'mutex',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
