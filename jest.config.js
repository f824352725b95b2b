// Three tiers, each its own jest project (CONVENTIONS.md §2):
//   unit  - *.unit.test.ts, no I/O
//   int   - *.int.test.ts, real PostgreSQL and Kafka
//   e2e   - *.e2e.test.ts, several services as separate processes over real Kafka
// The global setup brings up Kafka and PostgreSQL when KAFKA_BROKERS / DATABASE_URL are not given.
const transform = { '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
// @fastify/swagger-ui requires content-disposition 3, light-my-request cookie 2, and the messaging package
// @platformatic/kafka (and its @platformatic helpers), jose (JWTs) and pkijs with asn1js, bytestreamjs, @noble/hashes,
// @peculiar/utils (RFC 3161 timestamps of evidence checkpoints), openid-client with oauth4webapi (the dashboard's sign-in) are ESM only: jest compiles them to CommonJS.
const transformIgnorePatterns = [
  '/node_modules/(?!(\\.pnpm/)?(content-disposition|cookie|@platformatic|jose|openid-client|oauth4webapi|pkijs|asn1js|bytestreamjs|@noble|@peculiar)[@/+])',
];
const common = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  moduleFileExtensions: ['ts', 'js', 'json'],
};
const ignore = ['/node_modules/', '/.cache/', '/.data/'];
module.exports = {
  transform, // the global setup is TypeScript too
  testTimeout: 120000, // per-test limits of integration tests; unit tests finish in milliseconds
  globalSetup: '<rootDir>/tests/setup/global-setup.ts',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.unit.test.ts'],
      testPathIgnorePatterns: ignore,
    },
    {
      ...common,
      displayName: 'int',
      testMatch: ['<rootDir>/**/*.int.test.ts'],
      testPathIgnorePatterns: ignore,
      testTimeout: 60000,
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/**/*.e2e.test.ts'],
      testPathIgnorePatterns: ignore,
      testTimeout: 180000,
    },
  ],
};
