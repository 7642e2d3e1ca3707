// `pnpm demo`: starts an embedded hotdata-local (data in .hotdata-local/), creates a database, loads a
// table and queries it back. Replaced by `hotdata-dlt demo` once the runner exists.
import { createHotdataClient } from '@hotdata-dlt/hotdata-api';
import { startHotdataLocal } from '@hotdata-dlt/hotdata-local';

const local = await startHotdataLocal({ dataDir: '.hotdata-local' });
console.log(
  `No Hotdata credentials: using the embedded hotdata-local at ${local.url} (data in .hotdata-local/).`,
);
try {
  const client = createHotdataClient({
    apiUrl: local.url,
    apiKey: local.token,
    workspaceId: local.workspaceId,
  });
  const database = await client.databases.create({ name: 'demo', if_not_exists: true });
  const orders = { databaseId: database.id, schema: 'public', table: 'orders' };
  await client.loads.load(orders, {
    mode: 'replace',
    data: 'id,customer,amount\n1,alice,12.5\n2,bob,7.25\n3,carol,3\n',
  });
  const result = await client.queryRows('select customer, amount from public.orders order by amount desc', {
    databaseId: database.id,
  });
  console.log(`Loaded public.orders into database ${database.id}:`);
  console.table(result.rows.map(([customer, amount]) => ({ customer, amount })));
} finally {
  await local.close();
}
