module.exports = {
  displayName: 'grpc-kit',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
