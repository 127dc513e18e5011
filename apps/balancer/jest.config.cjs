module.exports = {
  displayName: 'balancer',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
