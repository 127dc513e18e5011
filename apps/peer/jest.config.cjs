module.exports = {
  displayName: 'peer',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
