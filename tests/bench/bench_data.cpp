#include "bench_data.h"

#include "store/run_store.h"

namespace reprise::bench {

Status writeWideDatabase(const QString& path, int runs, int params, int metrics)
{
    auto store = RunStore::open(path, OpenMode::Create);
    if (!store)
        return store.error();
    Database& db = store->database();
    return inWriteTransaction(db, [&]() -> Status {
        if (auto st
            = db.exec("INSERT INTO projects(name, created_at) VALUES ('p0', 0), ('p1', 0), ('p2', 0), ('p3', 0)");
            !st)
            return st;
        for (int m = 0; m < metrics; ++m) {
            const QByteArray sql = "INSERT INTO metric_keys(id, name) VALUES (" + QByteArray::number(m + 1)
                + ", 'metric_" + QByteArray::number(m) + "')";
            if (auto st = db.exec(sql.constData()); !st)
                return st;
        }
        auto run
            = db.prepare("INSERT INTO runs(id, uuid, project_id, name, status, start_time, end_time, user_name, host) "
                         "VALUES (?,?,?,?,?,?,?,'bench','bench-host')");
        auto param = db.prepare("INSERT INTO params(run_id, key, value, vtype) VALUES (?,?,?,?)");
        auto latest
            = db.prepare("INSERT INTO metric_latest(run_id, key_id, step, value, time, count) VALUES (?,?,100,?,0,1)");
        if (!run)
            return run.error();
        if (!param)
            return param.error();
        if (!latest)
            return latest.error();
        static const char* statuses[] = { "finished", "finished", "finished", "failed", "killed", "running" };
        QList<QByteArray> keys;
        for (int p = 0; p < params; ++p)
            keys << "param_" + QByteArray::number(p);
        quint64 x = 88172645463325252ULL;
        auto next = [&x] {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            return x;
        };
        for (int r = 1; r <= runs; ++r) {
            run->bind(1, qint64(r));
            run->bind(2,
                QByteArray::number(next(), 16).rightJustified(16, '0')
                    + QByteArray::number(next(), 16).rightJustified(16, '0'));
            run->bind(3, qint64(r % 4 + 1));
            run->bind(4, "run-" + QByteArray::number(r));
            run->bind(5, QByteArray(statuses[r % 6]));
            run->bind(6, 1.7e9 + r * 60.0);
            run->bind(7, 1.7e9 + r * 60.0 + double(next() % 36000));
            if (int rc = run->step(); rc != SQLITE_DONE)
                return db.sqliteError(rc, QStringLiteral("bench runs"));
            run->reset();
            for (int p = 0; p < params; ++p) {
                param->bind(1, qint64(r));
                param->bind(2, keys[p]);
                // A realistic mix: a few distinct numeric values, some free text.
                if (p % 5 == 4)
                    param->bind(3, "choice-" + QByteArray::number(next() % 7));
                else
                    param->bind(3, QByteArray::number(double(next() % 50) / 1000.0));
                param->bind(4, QByteArray(p % 5 == 4 ? "str" : "float"));
                if (int rc = param->step(); rc != SQLITE_DONE)
                    return db.sqliteError(rc, QStringLiteral("bench params"));
                param->reset();
            }
            for (int m = 0; m < metrics; ++m) {
                latest->bind(1, qint64(r));
                latest->bind(2, qint64(m + 1));
                latest->bind(3, double(next() % 100000) / 100000.0);
                if (int rc = latest->step(); rc != SQLITE_DONE)
                    return db.sqliteError(rc, QStringLiteral("bench metrics"));
                latest->reset();
            }
        }
        return success();
    });
}

} // namespace reprise::bench
