import { ConfigError, DistributedServiceEnv, loadConfig } from './config';

describe('a distributed service process configuration', () => {
  const required = {
    DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:5432/postgres',
    KAFKA_BROKERS: '127.0.0.1:9092',
  };

  it('waits at most 5 s for a PostgreSQL connection unless PG_CONNECT_TIMEOUT_MS says otherwise', () => {
    expect(loadConfig(DistributedServiceEnv, required).PG_CONNECT_TIMEOUT_MS).toBe(5000);
    expect(
      loadConfig(DistributedServiceEnv, { ...required, PG_CONNECT_TIMEOUT_MS: '1500' }).PG_CONNECT_TIMEOUT_MS,
    ).toBe(1500);
  });

  it('gives up on a query after 15 s unless PG_QUERY_TIMEOUT_MS says otherwise; refuses one not positive and whole', () => {
    expect(loadConfig(DistributedServiceEnv, required).PG_QUERY_TIMEOUT_MS).toBe(15_000);
    expect(
      loadConfig(DistributedServiceEnv, { ...required, PG_QUERY_TIMEOUT_MS: '2500' }).PG_QUERY_TIMEOUT_MS,
    ).toBe(2500);
    for (const bad of ['0', '-1', '2.5', 'soon'])
      expect(() => loadConfig(DistributedServiceEnv, { ...required, PG_QUERY_TIMEOUT_MS: bad })).toThrow(
        /PG_QUERY_TIMEOUT_MS/,
      );
  });

  it('refuses a connect timeout that is not a positive whole number of milliseconds, naming it', () => {
    for (const bad of ['0', '-1', '2.5', 'soon']) {
      const load = () => loadConfig(DistributedServiceEnv, { ...required, PG_CONNECT_TIMEOUT_MS: bad });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/PG_CONNECT_TIMEOUT_MS/);
    }
  });
});
