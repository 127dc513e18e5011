module.exports = {
  displayName: 'anchor-bench',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
