// PostGraphile 5 configuration for the side-by-side benchmark (bench/run.sh).
// Serves the benchmark's PostgreSQL database (DATABASE_URL) on 127.0.0.1:PORT,
// exposing the tables of `public` plus the computed columns of
// `postgraphile_bench` (see computed-columns.sql).
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const connectionString = process.env.DATABASE_URL;
const port = Number(process.env.PORT);
if (!connectionString || !port) {
  throw new Error("DATABASE_URL and PORT must be set");
}

/** @type {GraphileConfig.Preset} */
export default {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public", "postgraphile_bench"],
      // The same pool size as customer-graph's PostgreSQL pool (src/db.rs).
      poolConfig: { max: Number(process.env.POOL_SIZE || 16) },
    }),
  ],
  schema: {
    // Order like customer-graph does (`DESC NULLS LAST`), so that the
    // (organization_uuid, last_interacted_date DESC NULLS LAST, uuid) index serves it.
    pgOrderByNullsLast: true,
  },
  grafserv: { host: "127.0.0.1", port, graphiql: false },
  grafast: { explain: false },
};
