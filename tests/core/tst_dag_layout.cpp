// The layered DAG layout: invariants on graphs of every shape, determinism, crossings, cycles.

#include "analysis/dag_layout.h"

#include <QTest>
#include <set>

using namespace reprise;

namespace {

using Edges = std::vector<std::pair<int, int>>;

DagLayoutInput graph(int n, const Edges& edges)
{
    DagLayoutInput in;
    for (int i = 0; i < n; ++i) {
        in.sizes.push_back(i % 3 == 0 ? QSizeF(170, 58) : QSizeF(130, 34));
        in.names << QStringLiteral("s%1").arg(i);
    }
    in.edges = edges;
    return in;
}

/// A reproducible random DAG: edges only go from lower to higher index, within `reach`.
Edges randomDag(int n, int m, int reach, quint32 seed)
{
    Edges edges;
    quint32 x = seed;
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return x;
    };
    while (int(edges.size()) < m) {
        const int from = int(next() % quint32(n - 1));
        const int to = std::min(n - 1, from + 1 + int(next() % quint32(reach)));
        edges.emplace_back(from, to);
    }
    return edges;
}

} // namespace

Q_DECLARE_METATYPE(Edges)

class TestDagLayout : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void invariants_data();
    void invariants();
    void cyclesAreRefused_data();
    void cyclesAreRefused();
    void selfLoopsAndDuplicatesAreIgnored();
    void badEdgeIsAnError();
};

void TestDagLayout::invariants_data()
{
    QTest::addColumn<int>("nodes");
    QTest::addColumn<Edges>("edges");
    QTest::addColumn<int>("maxCrossings");
    QTest::addColumn<int>("layers");
    QTest::newRow("empty") << 0 << Edges {} << 0 << 0;
    QTest::newRow("one node") << 1 << Edges {} << 0 << 1;
    QTest::newRow("chain") << 5 << Edges { { 0, 1 }, { 1, 2 }, { 2, 3 }, { 3, 4 } } << 0 << 5;
    QTest::newRow("diamond") << 4 << Edges { { 0, 1 }, { 0, 2 }, { 1, 3 }, { 2, 3 } } << 0 << 3;
    QTest::newRow("disconnected") << 6 << Edges { { 0, 1 }, { 1, 2 }, { 3, 4 }, { 4, 5 } } << 0 << 3;
    QTest::newRow("isolated nodes") << 4 << Edges { { 0, 1 } } << 0 << 2;
    QTest::newRow("long skip edge") << 5 << Edges { { 0, 1 }, { 1, 2 }, { 2, 3 }, { 3, 4 }, { 0, 4 } } << 0 << 5;
    QTest::newRow("fan out and in") << 12 << [] {
        Edges e;
        for (int i = 1; i <= 10; ++i) {
            e.emplace_back(0, i);
            e.emplace_back(i, 11);
        }
        return e;
    }() << 0 << 3;
    // Listed crosswise; the sweeps must untangle them completely.
    QTest::newRow("untangle") << 6 << Edges { { 0, 5 }, { 1, 4 }, { 2, 3 } } << 0 << 2;
    QTest::newRow("two crossed chains") << 6 << Edges { { 0, 3 }, { 3, 4 }, { 1, 2 }, { 2, 5 }, { 0, 2 } } << 1 << 3;
    // K3,3 between two layers crosses C(3,2)·C(3,2) = 9 times in any order.
    QTest::newRow("K3,3") << 6
                          << Edges { { 0, 3 }, { 0, 4 }, { 0, 5 }, { 1, 3 }, { 1, 4 }, { 1, 5 }, { 2, 3 }, { 2, 4 },
                                 { 2, 5 } }
                          << 9 << 2;
    QTest::newRow("pipeline") << 6 << Edges { { 0, 1 }, { 0, 2 }, { 2, 3 }, { 2, 4 }, { 3, 4 }, { 3, 5 } } << 0 << 4;
    // Bounds: about half the crossings of the initial (topological) order, 360 and 13,257.
    QTest::newRow("random 60 x 150") << 60 << randomDag(60, 150, 8, 7) << 200 << -1;
    QTest::newRow("random 500 x 1500") << 500 << randomDag(500, 1500, 20, 11) << 7000 << -1;
}

void TestDagLayout::invariants()
{
    QFETCH(int, nodes);
    QFETCH(Edges, edges);
    QFETCH(int, maxCrossings);
    QFETCH(int, layers);
    const DagLayoutInput input = graph(nodes, edges);
    auto result = layoutDag(input);
    QVERIFY2(result, qPrintable(result ? QString() : result.error().message));
    const DagLayout& l = *result;
    QCOMPARE(int(l.position.size()), nodes);
    if (layers >= 0)
        QCOMPARE(l.layerCount, layers);
    // Every edge points to a later layer, and its route runs from the source's right side to the
    // target's left side, left to right.
    QCOMPARE(l.edges.size(), (std::set<std::pair<int, int>>(edges.begin(), edges.end()).size()));
    for (const DagLayoutEdge& e : l.edges) {
        QVERIFY(l.layer[e.to] > l.layer[e.from]);
        QCOMPARE(int(e.points.size()), l.layer[e.to] - l.layer[e.from] + 1);
        QCOMPARE(e.points.front().x(), l.position[e.from].x() + input.sizes[e.from].width());
        QCOMPARE(e.points.back().x(), l.position[e.to].x());
        for (size_t k = 1; k < e.points.size(); ++k)
            QVERIFY(e.points[k].x() > e.points[k - 1].x());
    }
    // No two nodes overlap.
    for (int a = 0; a < nodes; ++a) {
        const QRectF ra(l.position[a], input.sizes[a]);
        QVERIFY(ra.left() >= 0 && ra.top() >= 0);
        QVERIFY(ra.right() <= l.size.width() + 0.5 && ra.bottom() <= l.size.height() + 0.5);
        for (int b = a + 1; b < nodes; ++b)
            QVERIFY2(!ra.intersects(QRectF(l.position[b], input.sizes[b])),
                qPrintable(QStringLiteral("s%1 and s%2 overlap").arg(a).arg(b)));
    }
    // Nodes of one layer keep their order top to bottom.
    for (int a = 0; a < nodes; ++a) {
        for (int b = 0; b < nodes; ++b) {
            if (a != b && l.layer[a] == l.layer[b] && l.order[a] < l.order[b])
                QVERIFY(l.position[a].y() < l.position[b].y());
        }
    }
    QVERIFY2(l.crossings <= maxCrossings, qPrintable(QStringLiteral("%1 crossings").arg(l.crossings)));
    // Same input, same coordinates.
    auto again = layoutDag(input);
    QVERIFY(again);
    QCOMPARE(again->position, l.position);
    QCOMPARE(again->crossings, l.crossings);
}

void TestDagLayout::cyclesAreRefused_data()
{
    QTest::addColumn<int>("nodes");
    QTest::addColumn<Edges>("edges");
    QTest::addColumn<QString>("cycle");
    QTest::newRow("two steps") << 2 << Edges { { 0, 1 }, { 1, 0 } } << "s0 → s1 → s0";
    QTest::newRow("inside a bigger graph")
        << 6 << Edges { { 0, 1 }, { 1, 2 }, { 2, 3 }, { 3, 1 }, { 3, 4 }, { 4, 5 } } << "s1 → s2 → s3 → s1";
}

void TestDagLayout::cyclesAreRefused()
{
    QFETCH(int, nodes);
    QFETCH(Edges, edges);
    QFETCH(QString, cycle);
    auto result = layoutDag(graph(nodes, edges));
    QVERIFY(!result);
    QVERIFY2(result.error().message.contains(QStringLiteral("cycle: ") + cycle), qPrintable(result.error().message));
    QVERIFY(!result.error().hint.isEmpty());
}

void TestDagLayout::selfLoopsAndDuplicatesAreIgnored()
{
    auto result = layoutDag(graph(3, { { 0, 0 }, { 0, 1 }, { 0, 1 }, { 1, 2 }, { 2, 2 } }));
    QVERIFY(result);
    QCOMPARE(result->ignoredSelfLoops, 2);
    QCOMPARE(result->edges.size(), size_t(2));
    QCOMPARE(result->layerCount, 3);
}

void TestDagLayout::badEdgeIsAnError()
{
    auto result = layoutDag(graph(2, { { 0, 5 } }));
    QVERIFY(!result);
    QVERIFY(result.error().message.contains(QStringLiteral("node 5")));
}

QTEST_GUILESS_MAIN(TestDagLayout)
#include "tst_dag_layout.moc"
