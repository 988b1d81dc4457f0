#include "eventformat.h"
#include "eventlogmodel.h"
#include "inspectormodel.h"
#include "processfiltermodel.h"
#include "processtablemodel.h"
#include "synthetic.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>

#include <algorithm>

#include <gtest/gtest.h>

using namespace vigil;
using vigil::test::EventScript;

namespace {

constexpr auto kFatal = QAbstractItemModelTester::FailureReportingMode::Fatal;

Term atom(const char* s) { return Term::atom(s); }

// The process table and its sort/filter proxy over a graph state, both watched by QAbstractItemModelTester.
struct CheckedTable {
    explicit CheckedTable(GraphState& g)
        : model(&g)
        , tester(&model, kFatal)
        , filterTester(attach(filter, model), kFatal)
    {
    }
    static ProcessFilterModel* attach(ProcessFilterModel& f, ProcessTableModel& m)
    {
        f.setSourceModel(&m);
        return &f;
    }
    ProcessTableModel model;
    QAbstractItemModelTester tester;
    ProcessFilterModel filter;
    QAbstractItemModelTester filterTester;
};

} // namespace

TEST(Models, ProcessTableFollowsDeltas)
{
    GraphState::Options opt;
    opt.lingerNs = 10;
    opt.keepDead = 0;
    GraphState g(opt);
    CheckedTable table(g);
    ProcessTableModel& model = table.model;
    ProcessFilterModel& filter = table.filter;
    filter.sort(ProcessTableModel::Mailbox, Qt::DescendingOrder);

    EventScript s;
    s.spawn(10, 0, "root", "supervisor");
    for (uint64_t c = 11; c < 30; ++c)
        s.spawnLink(c, 10, "worker", "gen_server");
    s.queue(15, 11, atom("hello"));
    s.queue(15, 11, atom("hello"));
    g.apply(s.events, 0);
    model.applyDelta(g.takeDelta());
    ASSERT_EQ(model.rowCount(), 20);
    const int row15 = model.rowOf(15);
    ASSERT_GE(row15, 0);
    EXPECT_EQ(model.index(row15, ProcessTableModel::Mailbox).data().toLongLong(), 2);
    EXPECT_EQ(model.index(row15, ProcessTableModel::Pid).data().toString(), QStringLiteral("#PID<0.15.0>"));
    EXPECT_EQ(filter.index(0, ProcessTableModel::Pid).data(ProcessTableModel::PidRole).toULongLong(), 15u)
        << "sorted by mailbox, deepest first";

    filter.setText(QStringLiteral("0.15.0"));
    EXPECT_EQ(filter.rowCount(), 1);
    filter.setText(QString());

    s.events.clear();
    for (uint64_t c = 11; c < 20; ++c)
        s.exit(c, atom("shutdown"));
    g.apply(s.events, 100);
    model.applyDelta(g.takeDelta());
    filter.setShowDead(false);
    EXPECT_EQ(filter.rowCount(), 11);
    filter.setShowDead(true);
    g.tick(1000); // linger over, keepDead 0: forgotten
    model.applyDelta(g.takeDelta());
    EXPECT_EQ(model.rowCount(), 11);
    for (int r = 0; r < model.rowCount(); ++r)
        EXPECT_EQ(model.rowOf(model.pidAt(r)), r);

    Snapshot snap;
    snap.seq = 1000;
    for (uint64_t pid : { 10, 25, 26 }) {
        ProcessSnapshot p;
        p.pid = pid;
        p.parent = pid == 10 ? 0 : 10;
        snap.processes.push_back(p);
    }
    g.resync(snap, 2000);
    model.applyDelta(g.takeDelta());
    EXPECT_EQ(model.rowCount(), int(g.nodes().size()));

    // Sorted by pid (the table's default), both ways.
    auto pidsInFilter = [&] {
        std::vector<qulonglong> pids;
        for (int r = 0; r < filter.rowCount(); ++r)
            pids.push_back(filter.index(r, ProcessTableModel::Pid).data(ProcessTableModel::PidRole).toULongLong());
        return pids;
    };
    std::vector<qulonglong> all;
    for (int r = 0; r < model.rowCount(); ++r)
        all.push_back(model.pidAt(r));
    std::sort(all.begin(), all.end());
    filter.sort(ProcessTableModel::Pid, Qt::AscendingOrder);
    EXPECT_EQ(pidsInFilter(), all);
    filter.sort(ProcessTableModel::Pid, Qt::DescendingOrder);
    std::reverse(all.begin(), all.end());
    EXPECT_EQ(pidsInFilter(), all);
}

TEST(Models, ProcessTableFollowsAResyncWithoutReset)
{
    GraphState g;
    CheckedTable table(g);
    ProcessTableModel& model = table.model;
    ProcessFilterModel& filter = table.filter;
    filter.sort(ProcessTableModel::Pid, Qt::AscendingOrder);
    EventScript s;
    s.spawn(10, 0, "root");
    s.spawn(12, 10);
    g.apply(s.events, 0);
    model.applyDelta(g.takeDelta());
    ASSERT_EQ(model.rowCount(), 2);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);

    Snapshot snap;
    snap.seq = s.seq() + 10;
    for (uint64_t pid : { 10, 11 }) {
        ProcessSnapshot p;
        p.pid = pid;
        p.parent = pid == 10 ? 0 : 10;
        p.messageQueueLen = pid == 10 ? 3 : 0;
        snap.processes.push_back(p);
    }
    g.resync(snap, 1);
    model.applyDelta(g.takeDelta());
    EXPECT_EQ(resets.count(), 0);
    ASSERT_EQ(model.rowCount(), 3) << "the resync added 11; 12 stays, dead";
    EXPECT_EQ(model.index(model.rowOf(10), ProcessTableModel::Mailbox).data().toLongLong(), 3);
    ASSERT_GE(model.rowOf(11), 0);
    ASSERT_EQ(filter.rowCount(), 3);
    EXPECT_EQ(filter.index(1, ProcessTableModel::Pid).data(ProcessTableModel::PidRole).toULongLong(), 11u)
        << "sorted in place";
}

TEST(Models, EventLogRingAndFilter)
{
    EventLogModel log;
    log.setCapacity(50);
    QAbstractItemModelTester tester(&log, kFatal);
    EventFilterModel filter;
    filter.setSourceModel(&log);
    QAbstractItemModelTester filterTester(&filter, kFatal);

    EventScript s;
    for (uint64_t p = 1; p <= 40; ++p)
        s.spawn(p, 0);
    s.queue(2, 1, atom("msg")); // messages are not captured by default
    log.append(s.events);
    EXPECT_EQ(log.rowCount(), 40);
    s.events.clear();
    for (uint64_t p = 1; p <= 20; ++p)
        s.exit(p, atom("boom"));
    log.append(s.events);
    EXPECT_EQ(log.rowCount(), 50);
    EXPECT_EQ(log.index(0, EventLogModel::Detail).data().toString().left(12), QStringLiteral("#PID<0.11.0>"));

    filter.setText(QStringLiteral("boom"));
    EXPECT_EQ(filter.rowCount(), 20);
    filter.setText(QString());
    filter.setPid(15);
    EXPECT_EQ(filter.rowCount(), 2);
    filter.setPid(0);
    filter.setShown(EventCategory::Lifecycle, false);
    EXPECT_EQ(filter.rowCount(), 0);
    filter.setShown(EventCategory::Lifecycle, true);

    log.setCaptured(EventCategory::Messages, true);
    s.events.clear();
    s.queue(2, 1, atom("msg"));
    log.append(s.events);
    EXPECT_EQ(log.rowCount(), 50);
    EXPECT_EQ(log.index(49, EventLogModel::Kind).data().toString(), QStringLiteral("queued"));
    log.clear();
    EXPECT_EQ(log.rowCount(), 0);
}

TEST(Models, InspectorUpdatesInPlace)
{
    InspectorModel model;
    QAbstractItemModelTester tester(&model, kFatal);
    EXPECT_EQ(model.rowCount(), int(InspectorModel::NUM_SECTIONS));

    GraphState g;
    EventScript s;
    s.spawn(7, 0, "kv", "gen_server");
    s.spawnLink(8, 7);
    g.apply(s.events, 0);

    InspectorInput in;
    in.pid = 7;
    in.node = g.node(7);
    ProcessDetail d;
    d.summary.pid = 7;
    d.summary.messageQueueLen = 2;
    d.summary.links = { 8 };
    d.messages = { Term::tuple({ atom("hello"), Term::integer(1) }), atom("second") };
    d.state = Term::map({ { atom("answer"), Term::integer(42) } });
    in.detail = d;
    in.recent = g.node(7)->recent.toVector();
    model.setInput(in);

    const QModelIndex mailbox = model.index(InspectorModel::Mailbox, 0);
    EXPECT_EQ(model.rowCount(mailbox), 2);
    EXPECT_EQ(model.index(0, InspectorModel::Value, mailbox).data().toString(), QStringLiteral("{:hello, 1}"));
    EXPECT_EQ(model.sectionTitle(InspectorModel::Mailbox), QStringLiteral("Mailbox (2)"));
    const QModelIndex links = model.index(InspectorModel::Links, 0);
    ASSERT_EQ(model.rowCount(links), 1);
    EXPECT_EQ(model.index(0, InspectorModel::Value, links).data(InspectorModel::PidRole).toULongLong(), 8u);
    EXPECT_TRUE(model.sectionRows(InspectorModel::State).join(QString()).contains(QStringLiteral("answer: 42")));
    // Every title counts the rows it heads.
    EXPECT_EQ(model.sectionTitle(InspectorModel::State), QStringLiteral("State"));
    ASSERT_FALSE(in.recent.empty());
    EXPECT_EQ(model.sectionTitle(InspectorModel::Recent),
        QStringLiteral("Recent events (%1)").arg(model.rowCount(model.index(InspectorModel::Recent, 0))));
    EXPECT_EQ(model.sectionTitle(InspectorModel::Links), QStringLiteral("Links (1)"));

    d.messages.clear();
    d.summary.messageQueueLen = 0;
    in.detail = d;
    model.setInput(in);
    EXPECT_EQ(model.rowCount(mailbox), 0);

    in.detail.reset();
    model.setInput(in);
    model.clearInput();
    EXPECT_EQ(model.rowCount(model.index(InspectorModel::Info, 0)), 0);
}

// An exit's line says how many messages the process left unread; its JSON line names its final counters as such,
// not as pids.
TEST(EventFormat, AnExitTellsWhatWasLeftUnreadAndItsCounters)
{
    vigil::test::EventScript s;
    auto& e = s.add(TraceKind::Exited, 42, 17, Term::atom("killed"), Term::integer(300));
    e.old = 5;
    e.count = 3;
    const std::string line = describeEvent(e);
    EXPECT_NE(line.find("exited: :killed (3 messages left unread)"), std::string::npos) << line;
    const std::string json = eventJsonLine(e);
    EXPECT_NE(json.find("\"messages_in\":17,\"messages_out\":5"), std::string::npos) << json;
    EXPECT_EQ(json.find("\"other\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"reductions\":300"), std::string::npos) << json;
    e.count = 0;
    EXPECT_EQ(describeEvent(e).find("unread"), std::string::npos);
}
