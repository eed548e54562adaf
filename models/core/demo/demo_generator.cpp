#include "demo/demo_generator.h"

#include "analysis/feature_profile.h"
#include "store/run_store.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>

namespace reprise {

namespace {

    /// splitmix64: tiny, fast and identical on every platform (std distributions are not).
    class Random {
    public:
        explicit Random(quint64 seed)
            : m_state(seed)
        {
        }
        quint64 next()
        {
            quint64 z = (m_state += 0x9e3779b97f4a7c15ULL);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            return z ^ (z >> 31);
        }
        double uniform() { return double(next() >> 11) * 0x1.0p-53; }
        double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
        int integer(int lo, int hi) { return lo + int(next() % quint64(hi - lo + 1)); }
        double normal()
        {
            const double u1 = std::max(uniform(), 1e-300);
            const double u2 = uniform();
            return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
        }
        bool chance(double p) { return uniform() < p; }
        template <typename T> const T& pick(const QList<T>& list)
        {
            return list[qsizetype(next() % quint64(list.size()))];
        }
        QString hex(int digits)
        {
            QString out;
            while (out.size() < digits)
                out += QStringLiteral("%1").arg(next(), 16, 16, QLatin1Char('0'));
            return out.left(digits);
        }

    private:
        quint64 m_state;
    };

    // Runs are spread over the 120 days before this fixed moment, so the demo never depends on today.
    constexpr double kDemoEnd = 1793836800.0; // 2026-11-05T00:00:00Z

    struct Curve {
        double start; ///< value at step 0
        double floor; ///< asymptote
        double rate; ///< decay per step
        double noise; ///< relative noise
        double spikeChance;
    };

    /// A learning curve: exponential decay to a floor with multiplicative noise and rare spikes.
    MetricHistory makeCurve(Random& rng, const QString& key, qint64 steps, qint64 every, const Curve& c, double t0,
        double secondsPerStep, bool increasing = false)
    {
        MetricHistory h;
        h.key = key;
        const auto n = size_t(steps / every);
        h.steps.reserve(n);
        h.values.reserve(n);
        h.times.reserve(n);
        for (qint64 s = 0; s < steps; s += every) {
            const double base = c.floor + (c.start - c.floor) * std::exp(-c.rate * double(s));
            double v = base * (1.0 + c.noise * rng.normal());
            if (rng.chance(c.spikeChance))
                v *= rng.uniform(2.0, 6.0);
            if (increasing)
                v = std::clamp(1.0 - v, 0.0, 1.0);
            h.steps.push_back(s);
            h.values.push_back(v);
            h.times.push_back(t0 + double(s) * secondsPerStep);
        }
        return h;
    }

    /// A churn dataset whose distribution moves with `drift` (0 = like the reference, 1 = far away).
    DatasetRecord churnDataset(
        Random& rng, const QString& name, const QString& role, double drift, bool appLaunched, int rows, qint64 stride)
    {
        DatasetRecord d;
        d.name = name;
        d.role = role;
        d.rows = rows;
        d.uri = QStringLiteral("s3://acme-ml/churn/") + name + QStringLiteral(".parquet");
        d.hash = QStringLiteral("sha256:") + rng.hex(64);
        const int sampleSize = std::min(rows, std::max(50, int(1000 / stride)));
        std::vector<double> age, tenure, charges;
        QStringList contract, region, channel;
        for (int i = 0; i < sampleSize; ++i) {
            age.push_back(std::clamp(42 + 12 * rng.normal() + 6 * drift, 18.0, 90.0));
            tenure.push_back(std::max(0.0, std::round(30 * rng.uniform() * (1.0 - 0.4 * drift) + 2 * rng.normal())));
            charges.push_back(std::max(5.0, 65 + 25 * rng.normal() + 30 * drift));
            const double u = rng.uniform();
            contract << (u < 0.5 + 0.3 * drift ? QStringLiteral("month-to-month")
                    : u < 0.8 + 0.1 * drift    ? QStringLiteral("one-year")
                                               : QStringLiteral("two-year"));
            region << rng.pick(QList<QString> {
                QStringLiteral("north"), QStringLiteral("south"), QStringLiteral("east"), QStringLiteral("west") });
            // The abrupt one: once the mobile app launched, most sign-ups come through it.
            const double c = rng.uniform();
            if (appLaunched)
                channel << (c < 0.7 ? QStringLiteral("app")
                        : c < 0.85  ? QStringLiteral("web")
                                    : QStringLiteral("store"));
            else
                channel << (c < 0.6 ? QStringLiteral("web") : QStringLiteral("store"));
        }
        d.profiles << profileNumeric(QStringLiteral("age"), age, 0)
                   << profileNumeric(QStringLiteral("tenure_months"), tenure, rng.integer(0, 5))
                   << profileNumeric(QStringLiteral("monthly_charges"), charges, rng.integer(0, 20))
                   << profileCategorical(QStringLiteral("contract"), contract, 0)
                   << profileCategorical(QStringLiteral("region"), region, rng.integer(0, 3))
                   << profileCategorical(QStringLiteral("channel"), channel, 0);
        // The profiles summarise `rows` rows from a sample of them.
        for (FeatureProfile& p : d.profiles) {
            p.missing = p.missing * rows / sampleSize;
            p.count = rows;
        }
        return d;
    }

    struct Recipe {
        QString project;
        QString script;
        QString cwd;
    };

    constexpr int kRunsPerTransaction = 256;

    class DemoWriter {
    public:
        DemoWriter(RunStore& store, quint64 seed, qint64 stride)
            : m_store(store)
            , m_rng(seed)
            , m_stride(stride)
        {
        }

        Result<DemoSummary> write(int runCount)
        {
            const QList<Recipe> recipes {
                { QStringLiteral("digits"), QStringLiteral("train_digits.py"), QStringLiteral("/home/ada/src/digits") },
                { QStringLiteral("cifar-resnet"), QStringLiteral("train.py"), QStringLiteral("/home/grace/resnet") },
                { QStringLiteral("churn-forecast"), QStringLiteral("pipeline.py"), QStringLiteral("/srv/ml/churn") },
                { QStringLiteral("sentiment-bert"), QStringLiteral("finetune.py"), QStringLiteral("/home/alan/nlp") },
            };
            // The latest original run, which the next rerun reproduces (only that one is kept: a
            // list of every run would grow with the runs).
            std::optional<RunRef> original;
            std::optional<NewRun> originalSpec;
            const double bounds[] = { 0.0, 0.35, 0.6, 0.85, 1.0 };
            for (int p = 0; p < 4; ++p) {
                const int first = int(std::ceil(runCount * bounds[p]));
                const int end = int(std::ceil(runCount * bounds[p + 1]));
                if (end > first)
                    m_projectSizes.insert(recipes[p].project, end - first);
            }
            m_summary.projects = int(m_projectSizes.size());
            for (int i = 0; i < runCount; ++i) {
                const double fraction = double(i) / std::max(1, runCount);
                const Recipe& recipe = fraction < 0.35 ? recipes[0]
                    : fraction < 0.6                   ? recipes[1]
                    : fraction < 0.85                  ? recipes[2]
                                                       : recipes[3];
                const int projectIndex = fraction < 0.35 ? 0 : fraction < 0.6 ? 1 : fraction < 0.85 ? 2 : 3;
                const int indexInProject = i - int(std::ceil(runCount * bounds[projectIndex]));
                // About one run in 25 reproduces an earlier run of the same project.
                const bool rerun = original && m_rng.chance(0.04) && originalSpec->project == recipe.project;
                // Runs are written a few hundred to a transaction: the file is nobody else's yet.
                if (i % kRunsPerTransaction == 0) {
                    if (i > 0) {
                        if (auto committed = m_store.database().commit(); !committed)
                            return committed.error();
                    }
                    if (auto begun = m_store.database().beginWrite(); !begun)
                        return begun.error();
                }
                auto st = rerun ? writeRerun(*original, *originalSpec, fraction)
                                : writeRun(recipe, indexInProject, fraction, original, originalSpec);
                if (!st) {
                    m_store.database().rollback();
                    return st.error();
                }
            }
            if (auto committed = m_store.database().commit(); !committed)
                return committed.error();
            return m_summary;
        }

    private:
        NewRun baseRun(const Recipe& recipe, double fraction)
        {
            NewRun run;
            run.uuid = m_rng.hex(32);
            run.project = recipe.project;
            run.user
                = m_rng.pick(QList<QString> { QStringLiteral("ada"), QStringLiteral("grace"), QStringLiteral("alan") });
            run.host = m_rng.pick(QList<QString> {
                QStringLiteral("ws-ada"), QStringLiteral("gpu-node-1"), QStringLiteral("gpu-node-2") });
            run.pid = m_rng.integer(1000, 60000);
            run.startTime = kDemoEnd - 120 * 86400.0 * (1.0 - fraction) + m_rng.uniform(0, 3600);
            run.launch.workingDir = recipe.cwd;
            run.launch.environment = { { QStringLiteral("PYTHONHASHSEED"), QStringLiteral("0") },
                { QStringLiteral("CUDA_VISIBLE_DEVICES"), QStringLiteral("0") },
                { QStringLiteral("VIRTUAL_ENV"), recipe.cwd + QStringLiteral("/.venv") } };
            run.code.commit = m_commits.value(recipe.project);
            if (run.code.commit.isEmpty() || m_rng.chance(0.08)) {
                run.code.commit = m_rng.hex(40);
                m_commits.insert(recipe.project, run.code.commit);
            }
            run.code.branch = m_rng.chance(0.8) ? QStringLiteral("main") : QStringLiteral("exp/") + recipe.project;
            run.code.root = recipe.cwd;
            run.code.dirty = m_rng.chance(0.15);
            if (run.code.dirty) {
                run.code.patch = QStringLiteral("diff --git a/%1 b/%1\n--- a/%1\n+++ b/%1\n@@ -10,1 +10,1 @@\n-    "
                                                "dropout = 0.1\n+    dropout = 0.2\n")
                                     .arg(recipe.script);
            }
            return run;
        }

        Status writeRun(const Recipe& recipe, int index, double fraction, std::optional<RunRef>& original,
            std::optional<NewRun>& originalSpec)
        {
            NewRun run = baseRun(recipe, fraction);
            const int seed = index % 3;
            QStringList args { QStringLiteral("python"), recipe.script };
            if (recipe.project == QLatin1String("digits")) {
                const double lr = m_rng.pick(QList<double> { 0.001, 0.003, 0.01, 0.03, 0.1 });
                const QString optimizer = m_rng.pick(QList<QString> { QStringLiteral("sgd"), QStringLiteral("adam") });
                run.params = { { QStringLiteral("lr"), ParamValue { QString::number(lr), QStringLiteral("float") } },
                    { QStringLiteral("optimizer"), ParamValue { optimizer, QStringLiteral("str") } },
                    { QStringLiteral("batch_size"),
                        ParamValue { QString::number(m_rng.pick(QList<int> { 32, 64, 128 })), QStringLiteral("int") } },
                    { QStringLiteral("hidden"),
                        ParamValue {
                            QString::number(m_rng.pick(QList<int> { 64, 128, 256 })), QStringLiteral("int") } },
                    { QStringLiteral("seed"), ParamValue { QString::number(seed), QStringLiteral("int") } } };
                run.name = QStringLiteral("mlp-%1-lr%2").arg(optimizer).arg(lr);
                run.tags = { { QStringLiteral("team"), QStringLiteral("vision") } };
            } else if (recipe.project == QLatin1String("cifar-resnet")) {
                const int depth = m_rng.pick(QList<int> { 18, 34, 50 });
                run.params = { { QStringLiteral("lr"),
                                   ParamValue { QString::number(m_rng.pick(QList<double> { 0.05, 0.1, 0.2 })),
                                       QStringLiteral("float") } },
                    { QStringLiteral("depth"), ParamValue { QString::number(depth), QStringLiteral("int") } },
                    { QStringLiteral("weight_decay"),
                        ParamValue { QStringLiteral("0.0005"), QStringLiteral("float") } },
                    { QStringLiteral("augment"),
                        ParamValue { m_rng.chance(0.5) ? QStringLiteral("true") : QStringLiteral("false"),
                            QStringLiteral("bool") } },
                    { QStringLiteral("seed"), ParamValue { QString::number(seed), QStringLiteral("int") } } };
                run.name = QStringLiteral("resnet%1").arg(depth);
                run.tags = { { QStringLiteral("team"), QStringLiteral("vision") },
                    { QStringLiteral("gpu"), QStringLiteral("a100") } };
            } else if (recipe.project == QLatin1String("churn-forecast")) {
                run.params = { { QStringLiteral("learning_rate"),
                                   ParamValue { QString::number(m_rng.pick(QList<double> { 0.03, 0.05, 0.1 })),
                                       QStringLiteral("float") } },
                    { QStringLiteral("num_leaves"),
                        ParamValue { QString::number(m_rng.pick(QList<int> { 15, 31, 63 })), QStringLiteral("int") } },
                    { QStringLiteral("rounds"), ParamValue { QStringLiteral("300"), QStringLiteral("int") } },
                    { QStringLiteral("seed"), ParamValue { QString::number(seed), QStringLiteral("int") } } };
                run.name = QStringLiteral("lgbm-retrain-%1").arg(index + 1, 3, 10, QLatin1Char('0'));
                run.tags = { { QStringLiteral("team"), QStringLiteral("tabular") } };
            } else {
                run.params = { { QStringLiteral("lr"),
                                   ParamValue { QString::number(m_rng.pick(QList<double> { 2e-5, 3e-5, 5e-5 })),
                                       QStringLiteral("float") } },
                    { QStringLiteral("model"),
                        ParamValue { m_rng.pick(QList<QString> { QStringLiteral("bert-base-uncased"),
                                         QStringLiteral("distilbert-base-uncased") }),
                            QStringLiteral("str") } },
                    { QStringLiteral("max_len"), ParamValue { QStringLiteral("256"), QStringLiteral("int") } },
                    { QStringLiteral("seed"), ParamValue { QString::number(seed), QStringLiteral("int") } } };
                run.name
                    = QStringLiteral("finetune-") + run.params.value(QStringLiteral("model")).value.section(u'-', 0, 0);
                run.tags = { { QStringLiteral("team"), QStringLiteral("nlp") } };
            }
            for (auto it = run.params.begin(); it != run.params.end(); ++it)
                args << QStringLiteral("--") + it.key() << it->value;
            run.launch.argv = args;
            auto ref = m_store.createRun(run);
            if (!ref)
                return ref.error();
            if (auto st = fillRun(*ref, run, recipe.project, index); !st)
                return st;
            original = *ref;
            originalSpec = run;
            return success();
        }

        Status writeRerun(const RunRef& original, const NewRun& spec, double fraction)
        {
            NewRun run = spec;
            run.uuid = m_rng.hex(32);
            run.kind = QStringLiteral("rerun");
            run.parentUuid = original.uuid;
            run.startTime = std::max(spec.startTime + 3600, kDemoEnd - 120 * 86400.0 * (1.0 - fraction));
            run.name = spec.name + QStringLiteral(" (rerun)");
            auto ref = m_store.createRun(run);
            if (!ref)
                return ref.error();
            return fillRun(*ref, run, run.project, 0);
        }

        Status fillRun(const RunRef& ref, const NewRun& run, const QString& project, int index)
        {
            ++m_summary.runs;
            const double t0 = run.startTime;
            // Outcome: most finish; some fail part-way, a few are killed or still running.
            const double u = m_rng.uniform();
            // The newest run of each project is still going (on another host).
            const bool newest = run.kind == QLatin1String("run") && index == m_projectSizes.value(project) - 1;
            const RunStatus status = newest ? RunStatus::Running
                : u < 0.06                  ? RunStatus::Failed
                : u < 0.08                  ? RunStatus::Killed
                                            : RunStatus::Finished;
            const double completed = status == RunStatus::Finished ? 1.0 : m_rng.uniform(0.2, 0.8);
            QList<MetricHistory> histories;
            double seconds = 0;
            if (project == QLatin1String("digits")) {
                const double lr = run.params.value(QStringLiteral("lr")).value.toDouble();
                const qint64 steps = qint64(double(m_rng.integer(4, 20) * 100) * completed) + 1;
                const double rate = 0.002 + lr * 0.3;
                histories << makeCurve(m_rng, QStringLiteral("train/loss"), steps, m_stride,
                    { 2.3, 0.05 + 0.02 * m_rng.uniform(), rate, 0.08, 0.002 }, t0, 0.05)
                          << makeCurve(m_rng, QStringLiteral("val/loss"), steps, 50 * m_stride,
                                 { 2.3, 0.1 + 0.05 * m_rng.uniform(), rate, 0.03, 0.0 }, t0, 0.05)
                          << makeCurve(m_rng, QStringLiteral("val/acc"), steps, 50 * m_stride,
                                 { 0.9, 0.02 + 0.03 * m_rng.uniform(), rate, 0.02, 0.0 }, t0, 0.05, true);
                seconds = double(steps) * 0.05;
            } else if (project == QLatin1String("cifar-resnet")) {
                // Every 20th cifar run trains for 100k steps: the long histories of the demo.
                const qint64 full = index % 20 == 0 ? 100000 : m_rng.integer(2, 10) * 1000;
                const qint64 steps = qint64(double(full) * completed) + 1;
                histories << makeCurve(m_rng, QStringLiteral("loss"), steps, m_stride,
                    { 2.4, 0.2 + 0.1 * m_rng.uniform(), 4.0 / double(full), 0.1, 0.0005 }, t0, 0.2)
                          << makeCurve(m_rng, QStringLiteral("val_acc"), steps, 500 * m_stride,
                                 { 0.9, 0.05 + 0.05 * m_rng.uniform(), 4.0 / double(full), 0.01, 0.0 }, t0, 0.2, true);
                MetricHistory lr;
                lr.key = QStringLiteral("lr");
                const double base = run.params.value(QStringLiteral("lr")).value.toDouble();
                for (qint64 s = 0; s < steps; s += 100 * m_stride) {
                    lr.steps.push_back(s);
                    lr.values.push_back(base * 0.5 * (1 + std::cos(std::numbers::pi * double(s) / double(full))));
                    lr.times.push_back(t0 + double(s) * 0.2);
                }
                histories << lr;
                seconds = double(steps) * 0.2;
            } else if (project == QLatin1String("churn-forecast")) {
                const qint64 rounds = qint64(300 * completed) + 1;
                histories << makeCurve(m_rng, QStringLiteral("valid/logloss"), rounds, m_stride,
                    { 0.69, 0.38 + 0.03 * m_rng.uniform(), 0.02, 0.005, 0.0 }, t0, 0.5)
                          << makeCurve(m_rng, QStringLiteral("valid/auc"), rounds, m_stride,
                                 { 0.5, 0.13 + 0.03 * m_rng.uniform(), 0.02, 0.003, 0.0 }, t0, 0.5, true);
                seconds = double(rounds) * 0.5 + 120;
                if (auto st = writePipeline(ref, t0, status, index); !st)
                    return st;
                // Training data drifts slowly; production batches drift faster and later.
                const double drift = std::min(1.0, double(index) / 60.0);
                const bool appLaunched = index >= m_projectSizes.value(project) * 2 / 3;
                if (auto st = m_store.addDataset(ref.rowId,
                        churnDataset(m_rng, QStringLiteral("train"), QStringLiteral("train"), drift * 0.3, false, 50000,
                            m_stride));
                    !st)
                    return st;
                if (auto st = m_store.addDataset(ref.rowId,
                        churnDataset(m_rng, QStringLiteral("production-batch"), QStringLiteral("production"), drift,
                            appLaunched, 8000, m_stride));
                    !st)
                    return st;
            } else {
                const qint64 steps = qint64(3000 * completed) + 1;
                histories << makeCurve(m_rng, QStringLiteral("train/loss"), steps, m_stride,
                    { 0.7, 0.15 + 0.05 * m_rng.uniform(), 0.002, 0.15, 0.001 }, t0, 0.4)
                          << makeCurve(m_rng, QStringLiteral("eval/f1"), steps, 250 * m_stride,
                                 { 0.6, 0.08 + 0.04 * m_rng.uniform(), 0.002, 0.01, 0.0 }, t0, 0.4, true);
                seconds = double(steps) * 0.4;
            }
            if (status == RunStatus::Failed && !histories.isEmpty() && !histories.first().values.empty()) {
                // Diverged training: the loss ends in NaN, as real failures often do.
                histories.first().values.back() = std::numeric_limits<double>::quiet_NaN();
            }
            for (const MetricHistory& h : histories) {
                // A run that has ended keeps its histories packed (finishing one packs them): written
                // packed straight away instead of as rows that finishing reads back and deletes.
                const Status st = status == RunStatus::Running
                    ? m_store.logMetric(ref.rowId, h.key, h.steps, h.values, h.times)
                    : m_store.storeHistory(ref.rowId, h.key, h.steps, h.values, h.times);
                if (!st)
                    return st;
                m_summary.points += qint64(h.size());
            }
            QList<OutputChunk> output { { QStringLiteral("stdout"), t0,
                QStringLiteral("loading data...\ntraining %1 on %2\n").arg(run.name, run.host) } };
            if (status == RunStatus::Failed)
                output << OutputChunk { QStringLiteral("stderr"), t0 + seconds,
                    QStringLiteral("Traceback (most recent call last):\n  File \"%1\", line 88, in "
                                   "<module>\nFloatingPointError: loss is nan\n")
                        .arg(run.launch.argv.value(1)) };
            if (auto st = m_store.appendOutput(ref.rowId, output); !st)
                return st;
            if (status == RunStatus::Running)
                return success();
            const std::optional<int> exitCode = status == RunStatus::Finished ? 0
                : status == RunStatus::Failed                                 ? 1
                                                                              : 143;
            return m_store.recordEnd(ref.rowId, status, exitCode, t0 + seconds); // histories packed above
        }

        Status writePipeline(const RunRef& ref, double t0, RunStatus status, int index)
        {
            struct StepSpec {
                const char* name;
                const char* command;
                QStringList inputs;
                QStringList outputs;
                double seconds;
            };
            const QList<StepSpec> specs {
                { "load", "python -m churn.load --date latest", {}, { QStringLiteral("data/raw.parquet") }, 40 },
                { "validate", "python -m churn.validate data/raw.parquet", { QStringLiteral("data/raw.parquet") },
                    { QStringLiteral("reports/validation.json") }, 8 },
                { "preprocess", "python -m churn.features", { QStringLiteral("data/raw.parquet") },
                    { QStringLiteral("data/train.parquet"), QStringLiteral("data/valid.parquet") }, 25 },
                { "train", "python -m churn.train", { QStringLiteral("data/train.parquet") },
                    { QStringLiteral("models/model.txt") }, 150 },
                { "evaluate", "python -m churn.evaluate",
                    { QStringLiteral("models/model.txt"), QStringLiteral("data/valid.parquet") },
                    { QStringLiteral("reports/metrics.json") }, 12 },
                { "export", "python -m churn.export --format onnx", { QStringLiteral("models/model.txt") },
                    { QStringLiteral("models/model.onnx") }, 6 },
            };
            QHash<QString, ArtifactRecord> artifacts;
            auto artifact = [&](const QString& path) {
                if (!artifacts.contains(path)) {
                    // Raw data changes with every run; later stages change when their inputs do.
                    const bool stable = path == QLatin1String("reports/validation.json") && index % 2 == 0;
                    artifacts.insert(path,
                        ArtifactRecord { 0, path,
                            QStringLiteral("sha256:") + (stable ? QStringLiteral("9f2c").repeated(16) : m_rng.hex(64)),
                            qint64(m_rng.integer(2000, 90000000)) });
                }
                return artifacts.value(path);
            };
            QList<StepRecord> steps;
            double t = t0;
            const int failAt = status == RunStatus::Failed ? m_rng.integer(1, 4) : 99;
            for (int i = 0; i < specs.size(); ++i) {
                const StepSpec& spec = specs[i];
                StepRecord step;
                step.name = QString::fromLatin1(spec.name);
                step.command = QString::fromLatin1(spec.command);
                step.cached = i == 0 && index % 3 == 1;
                step.startTime = t;
                t += step.cached ? 0.5 : spec.seconds * m_rng.uniform(0.8, 1.2);
                step.endTime = t;
                step.status = i < failAt ? QStringLiteral("finished")
                    : i == failAt        ? QStringLiteral("failed")
                                         : QStringLiteral("skipped");
                step.log = step.status == QLatin1String("failed") ? QStringLiteral("error: step failed\n")
                                                                  : QStringLiteral("ok\n");
                for (const QString& in : spec.inputs)
                    step.inputs << artifact(in);
                if (i <= failAt) {
                    for (const QString& out : spec.outputs)
                        step.outputs << artifact(out);
                }
                steps << step;
            }
            return m_store.addSteps(ref.rowId, steps);
        }

        RunStore& m_store;
        Random m_rng;
        QHash<QString, QString> m_commits;
        QHash<QString, int> m_projectSizes;
        /// Every m_stride-th point of each history is logged (and of each dataset's sample taken):
        /// the histories keep their steps and shape with fewer points.
        qint64 m_stride = 1;
        DemoSummary m_summary;
    };

} // namespace

Result<DemoSummary> generateDemo(const DemoOptions& options)
{
    if (options.runs < 1 || options.runs > 1000000) {
        return Error { QStringLiteral("--runs %1: out of range").arg(options.runs),
            QStringLiteral("give a number of runs between 1 and 1000000") };
    }
    const QFileInfo target(options.path);
    if (target.exists() && !options.overwrite) {
        return Error { options.path + QStringLiteral(": already exists"),
            QStringLiteral("choose another path, or pass --force to replace it") };
    }
    if (!QDir().mkpath(target.absolutePath()))
        return Error { target.absolutePath() + QStringLiteral(": cannot create the folder"),
            QStringLiteral("check the permissions, or choose another path") };
    if (!target.absoluteDir().exists()) {
        return Error { options.path + QStringLiteral(": the folder does not exist"),
            QStringLiteral("create ") + target.absolutePath() + QStringLiteral(" first") };
    }
    // Built beside the target and renamed into place: a crash leaves no half-written demo.
    const QString temporary = options.path + QStringLiteral(".partial");
    for (const char* suffix : { "", "-wal", "-shm" })
        QFile::remove(temporary + QLatin1String(suffix));
    Result<DemoSummary> summary = [&]() -> Result<DemoSummary> {
        auto store = RunStore::open(temporary, OpenMode::Create);
        if (!store)
            return store.error();
        // A file nobody else has open yet, renamed into place only when whole: no syncs while it fills.
        (void)store->database().exec("PRAGMA synchronous=OFF");
        // Up to 320 runs every point; beyond, the histories thin out so the points stay as many as
        // 320 runs have and the time grows with the runs alone (or as --history asks).
        const double history = options.history > 0 ? options.history : std::min(1.0, 320.0 / options.runs);
        DemoWriter writer(*store, options.seed, std::max<qint64>(1, qint64(std::llround(1.0 / history))));
        auto result = writer.write(options.runs);
        if (!result)
            return result;
        // Fold the WAL back so the file is complete on its own before it is renamed.
        if (auto st = store->database().exec("PRAGMA wal_checkpoint(TRUNCATE)"); !st)
            return st.error();
        return result;
    }();
    if (!summary) {
        for (const char* suffix : { "", "-wal", "-shm" })
            QFile::remove(temporary + QLatin1String(suffix));
        return summary;
    }
    for (const char* suffix : { "", "-wal", "-shm" })
        QFile::remove(options.path + QLatin1String(suffix));
    QFile::remove(temporary + QStringLiteral("-wal"));
    QFile::remove(temporary + QStringLiteral("-shm"));
    if (!QFile::rename(temporary, options.path)) {
        return Error { options.path + QStringLiteral(": cannot write it"),
            QStringLiteral("check that the folder is writable") };
    }
    return summary;
}

} // namespace reprise
