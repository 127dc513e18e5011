module.exports = {
  displayName: 'factorial-worker',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
