import { DuckDBInstance, DuckDBScalarFunction, VARCHAR } from '@duckdb/node-api';
const inst = await DuckDBInstance.create('/tmp/dbexp/a.duckdb');
const c1 = await inst.connect(); const c2 = await inst.connect();
const ctx = new Map<number, string>();
const fn = DuckDBScalarFunction.create({ name: 'get_username', returnType: VARCHAR, volatile: true,
  initFunction: (i) => { i.setState({ id: i.clientContext.connectionId }); },
  mainFunction: (info, input, out) => { const id = (info.state as any).id; for (let r=0;r<input.rowCount;r++) out.setItem(r, ctx.get(id) ?? null); out.flush(); } });
c1.registerScalarFunction(fn);
try { c2.registerScalarFunction(fn); console.log('re-register ok'); } catch (e) { console.log('re-register err', (e as Error).message); }
console.log(c1.clientContext.connectionId, c2.clientContext.connectionId);
ctx.set(c1.clientContext.connectionId, 'alice'); ctx.set(c2.clientContext.connectionId, 'bob');
try { console.log((await c2.runAndReadAll('select get_username() u')).getRowObjects()); } catch (e) { console.log('c2 err', (e as Error).message); }
const ps = await c1.prepare('select get_username() u, $x::varchar as x from range(3)');
ps.bind({x: 'hi'});
console.log((await ps.runAndReadAll()).getRowObjects());
ctx.set(c1.clientContext.connectionId, 'carol');
console.log((await ps.runAndReadAll()).getRowObjects());
// extract statements named params
const ex = await c1.extractStatements('select $a, $b; select $c');
const p0 = await ex.prepare(0); console.log(p0.parameterCount, [...Array(p0.parameterCount)].map((_, i) => p0.parameterName(i+1)));
try { await c1.prepare('select * from nope'); } catch (e) { console.log('prep err:', (e as Error).message); }
try { await c1.prepare('selec 1'); } catch (e) { console.log('prep err:', (e as Error).message); }
try { await c1.run('select * from nope where x = $a', {a: 1}); } catch (e) { console.log('run err:', (e as Error).message); }
const r = await c1.runAndReadAll(`select 1::bigint b, 12345678901234567890::hugeint h, 1.5::decimal(10,2) d, 'nan'::double n, date '2024-01-02' dt, time '01:02:03.5' t, timestamp '2024-01-02 03:04:05.123456' ts, timestamptz '2024-01-02 03:04:05+02' tz, interval '1 month 2 days 3 hours' iv, 'ab'::blob bl, uuid() u, [1,2] l, {'a': 1} s, map {'k': 1} m, map {1: 2} m2, true bo, null nu, [1,2]::int[2] arr`);
console.log(r.columnTypes().map(t => t.typeId + ':' + t.toString()));
console.log(r.getRowObjects());
inst.closeSync();
