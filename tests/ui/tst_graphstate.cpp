#include "graphstate.h"
#include "synthetic.h"

#include <gtest/gtest.h>

using namespace vigil;
using vigil::test::EventScript;

namespace {

Term atom(const char* s) { return Term::atom(s); }

void supervisedTree(EventScript& s)
{
    s.spawn(100, 0, "App.Supervisor", "supervisor");
    for (uint64_t c : { 101, 102, 103 }) {
        s.spawnLink(c, 100, nullptr, "gen_server");
        s.childStarted(100, c, c == 101 ? "a" : c == 102 ? "b" : "c");
    }
}

} // namespace

TEST(GraphState, SupervisorChildrenInStartOrder)
{
    GraphState g;
    EventScript s;
    supervisedTree(s);
    g.apply(s.events, 0);
    ASSERT_EQ(g.roots(), std::vector<uint64_t>({ 100 }));
    EXPECT_EQ(g.node(100)->children, std::vector<uint64_t>({ 101, 102, 103 }));
    EXPECT_EQ(g.node(100)->kind, NodeKind::Supervisor);
    EXPECT_EQ(g.node(102)->kind, NodeKind::GenServer);
    EXPECT_EQ(g.node(102)->extras().childId, "b");
    EXPECT_EQ(g.node(102)->extras().supervisor, 100u);
    EXPECT_TRUE(g.linked(100, 102));
    EXPECT_EQ(g.linkPairs().size(), 3u);
    EXPECT_EQ(g.aliveCount(), 4u);
    EXPECT_EQ(g.checkConsistency(), "");
    GraphDelta d = g.takeDelta();
    EXPECT_EQ(d.added, std::vector<uint64_t>({ 100, 101, 102, 103 }));
    EXPECT_TRUE(d.structureChanged);
    EXPECT_TRUE(d.edgesChanged);
}

TEST(GraphState, RestartPutsNewPidInTheOldSlot)
{
    GraphState g;
    EventScript s;
    supervisedTree(s);
    g.apply(s.events, 0);
    g.takeDelta();
    s.events.clear();
    s.exit(102, atom("killed"));
    s.signal(102, 100, atom("killed"), SignalOutcome::Trapped);
    s.spawnLink(104, 100, nullptr, "gen_server");
    s.childRestarted(100, 102, 104, "b", 1);
    g.apply(s.events, 10);

    EXPECT_EQ(g.node(100)->children, std::vector<uint64_t>({ 101, 104, 103 }));
    EXPECT_FALSE(g.node(102)->alive);
    EXPECT_FALSE(g.node(102)->inTree);
    EXPECT_EQ(g.node(102)->extras().replacedBy, 104u);
    EXPECT_EQ(g.node(102)->extras().exitReason, ":killed");
    EXPECT_EQ(g.node(104)->restarts, 1u);
    EXPECT_EQ(g.node(104)->extras().restartedFrom, 102u);
    EXPECT_EQ(g.node(104)->extras().childId, "b");
    EXPECT_FALSE(g.linked(100, 102));
    EXPECT_TRUE(g.linked(100, 104));
    EXPECT_EQ(g.checkConsistency(), "");

    GraphDelta d = g.takeDelta();
    ASSERT_EQ(d.restarts.size(), 1u);
    EXPECT_EQ(d.restarts[0].oldPid, 102u);
    EXPECT_EQ(d.restarts[0].newPid, 104u);
    ASSERT_EQ(d.signals.size(), 1u);
    EXPECT_TRUE(d.signals[0].viaLink);
    EXPECT_EQ(d.signals[0].outcome, SignalOutcome::Trapped);
    EXPECT_EQ(d.exits, 1u);
}

TEST(GraphState, RestartWithoutOldPidFindsItByChildId)
{
    GraphState g;
    EventScript s;
    supervisedTree(s);
    s.exit(103, atom("boom"));
    s.spawnLink(104, 100, nullptr, "gen_server");
    s.childRestarted(100, 0, 104, "c", 2);
    g.apply(s.events, 0);
    EXPECT_EQ(g.node(100)->children, std::vector<uint64_t>({ 101, 102, 104 }));
    EXPECT_EQ(g.node(104)->extras().restartedFrom, 103u);
    EXPECT_EQ(g.node(103)->extras().replacedBy, 104u);
    EXPECT_EQ(g.node(104)->restarts, 2u);
    EXPECT_EQ(g.checkConsistency(), "");
}

TEST(GraphState, ExitPropagatesAlongLinks)
{
    GraphState g;
    EventScript s;
    s.spawn(200, 0);
    s.spawnLink(201, 200);
    // As the engine reports a death: one Exited event for the dead process's halves, then each signal over a link.
    s.exit(200, atom("boom"));
    s.signal(200, 201, atom("boom"), SignalOutcome::Killed, true);
    g.apply(s.events, 0);
    EXPECT_EQ(g.node(201)->status, NodeStatus::Exiting);
    EXPECT_TRUE(g.node(201)->links.empty()) << "the dead sender's link is gone";
    EXPECT_EQ(g.node(200)->extras().linksAtDeath, std::vector<uint64_t>({ 201 })) << "the inspector shows what it was linked to";
    GraphDelta d = g.takeDelta();
    ASSERT_EQ(d.signals.size(), 1u);
    EXPECT_TRUE(d.signals[0].viaLink);
    s.events.clear();
    s.exit(201, atom("boom"));
    g.apply(s.events, 0);
    EXPECT_EQ(g.aliveCount(), 0u);
    EXPECT_EQ(g.node(201)->extras().exitReason, ":boom");
    EXPECT_TRUE(g.linkPairs().empty());
    EXPECT_EQ(g.checkConsistency(), "");
}

TEST(GraphState, ActivityKeepsAProcessRunningForAWhileCountedFromItsLastSign)
{
    GraphState g; // activeNs: 0.4 s
    EventScript s;
    s.spawn(300, 0);
    s.spawn(301, 0);
    s.queue(301, 300, atom("a"));
    s.receive(301, atom("a"));
    g.apply(s.events, 1'000'000'000);
    EXPECT_EQ(g.node(301)->status, NodeStatus::Running);
    s.events.clear();
    s.queue(301, 300, atom("b"));
    s.receive(301, atom("b"));
    g.apply(s.events, 1'300'000'000); // later activity moves the deadline
    g.tick(1'500'000'000);
    EXPECT_EQ(g.node(301)->status, NodeStatus::Running);
    g.tick(1'800'000'000);
    EXPECT_EQ(g.node(301)->status, NodeStatus::Waiting);
    EXPECT_FALSE(g.hasTimedWork());

    // A snapshot that finds it running counts as a sign of activity at the time of the resync.
    Snapshot snap;
    snap.seq = s.seq() + 1;
    for (uint64_t pid : { 300, 301 }) {
        ProcessSnapshot p;
        p.pid = pid;
        p.status = pid == 301 ? atoms::running : atoms::waiting;
        snap.processes.push_back(p);
    }
    g.resync(snap, 5'000'000'000);
    EXPECT_EQ(g.node(301)->status, NodeStatus::Running);
    EXPECT_EQ(g.node(300)->status, NodeStatus::Waiting);
    g.tick(5'200'000'000);
    EXPECT_EQ(g.node(301)->status, NodeStatus::Running);
    g.tick(5'500'000'000);
    EXPECT_EQ(g.node(301)->status, NodeStatus::Waiting);

    // Also when it was still listed as running from long before (a full mailbox kept it so): the snapshot's word is
    // the newest sign, and a tick right after the resync leaves it running.
    EventScript more;
    more.setSeq(snap.seq);
    more.queue(301, 300, atom("c"));
    g.apply(more.events, 6'000'000'000);
    g.tick(9'000'000'000);
    EXPECT_EQ(g.node(301)->status, NodeStatus::Running) << "a message waits in its mailbox";
    snap.seq = more.seq() + 1;
    g.resync(snap, 9'000'000'000); // running, mailbox empty
    g.tick(9'000'000'000);
    EXPECT_EQ(g.node(301)->status, NodeStatus::Running);
    g.tick(9'500'000'000);
    EXPECT_EQ(g.node(301)->status, NodeStatus::Waiting);
}

TEST(GraphState, MailboxDepthAndCounters)
{
    GraphState g;
    EventScript s;
    s.spawn(300, 0);
    s.spawn(301, 0);
    for (int i = 0; i < 3; ++i)
        s.queue(301, 300, Term::tuple({ atom("hello"), Term::integer(i) }));
    s.receive(301, atom("x"));
    g.apply(s.events, 0);
    EXPECT_EQ(g.node(301)->mailbox, 2);
    EXPECT_EQ(g.node(301)->messagesIn, 3u);
    EXPECT_EQ(g.node(300)->messagesOut, 3u);
    EXPECT_EQ(g.node(301)->status, NodeStatus::Running);
    g.tick(10'000'000'000);
    EXPECT_EQ(g.node(301)->status, NodeStatus::Running) << "a non-empty mailbox keeps it runnable";
    s.events.clear();
    s.receive(301, atom("x"));
    s.receive(301, atom("x"));
    g.apply(s.events, 10'000'000'000);
    g.tick(20'000'000'000);
    EXPECT_EQ(g.node(301)->status, NodeStatus::Waiting);
    EXPECT_EQ(g.takeDelta().messagesSent, 3u);
}

TEST(GraphState, MailboxStatsOverrideSampledMessageEvents)
{
    GraphState g;
    EventScript s;
    s.spawn(310, 0);
    s.spawn(311, 0);
    s.queue(311, 310, atom("sampled"));
    auto& st = s.add(TraceKind::MailboxStats, 311, 40, Term::integer(1234));
    st.count = 25;
    st.old = 3;
    s.queue(311, 310, atom("sampled again")); // already counted in the next stats
    g.apply(s.events, 0);
    const GraphNode* n = g.node(311);
    EXPECT_EQ(n->mailbox, 25);
    EXPECT_EQ(n->messagesIn, 40u);
    EXPECT_EQ(n->messagesOut, 3u);
    EXPECT_EQ(n->reductions, 1234u);
    EXPECT_TRUE(n->statsDriven);
    EXPECT_EQ(g.takeDelta().messagesSent, 2u + 3u) << "sampled sends from 310 plus 311's exact count";
}

// A node keeps its mailbox depth in 32 bits: a count beyond them shows as the largest it can hold, never wrapped
// round to a negative or small number.
TEST(GraphState, AMailboxDeeperThanANodeCanCountShowsItsLargestDepth)
{
    GraphState g;
    EventScript s;
    s.spawn(315, 0);
    auto& st = s.add(TraceKind::MailboxStats, 315, 0, Term::integer(0));
    st.count = 3'000'000'000u;
    g.apply(s.events, 0);
    EXPECT_EQ(g.node(315)->mailbox, INT32_MAX);
    const size_t applied = s.events.size();
    s.queue(315, 315, atom("one more")); // counted by the stats from now on: no change
    auto& st2 = s.add(TraceKind::MailboxStats, 315, 0, Term::integer(0));
    st2.count = 7;
    g.apply(std::vector<TraceEvent>(s.events.begin() + std::ptrdiff_t(applied), s.events.end()), 0);
    EXPECT_EQ(g.node(315)->mailbox, 7);
}

// A process that died before reporting its counters (its messages were sampled) brings them in its Exited event;
// the dead node keeps them.
TEST(GraphState, ExitedCarriesTheFinalCounters)
{
    GraphState g;
    EventScript s;
    s.spawn(320, 0);
    s.spawn(321, 0);
    s.queue(321, 320, atom("sampled"));
    s.queue(320, 321, atom("sampled reply"));
    auto& ex = s.add(TraceKind::Exited, 321, 500, atom("normal"), Term::integer(9876));
    ex.old = 7;
    ex.count = 4;
    g.apply(s.events, 0);
    const GraphNode* n = g.node(321);
    ASSERT_NE(n, nullptr);
    EXPECT_FALSE(n->alive);
    EXPECT_EQ(n->messagesIn, 500u);
    EXPECT_EQ(n->messagesOut, 7u);
    EXPECT_EQ(n->reductions, 9876u);
    EXPECT_EQ(n->mailbox, 0) << "a dead process has no mailbox";
    EXPECT_EQ(g.takeDelta().messagesSent, 1u + 7u) << "320's send, and 321's seven (one of them sampled)";
}

TEST(GraphState, MonitorsAppearAndGoWithDown)
{
    GraphState g;
    EventScript s;
    s.spawn(400, 0);
    s.spawn(401, 0);
    const Term ref = Term::reference(77);
    s.add(TraceKind::Monitored, 400, 401, ref);
    g.apply(s.events, 0);
    EXPECT_EQ(g.monitorPairs(), (std::vector<std::pair<uint64_t, uint64_t>> { { 400, 401 } }));
    EXPECT_EQ(g.node(401)->extras().monitoredBy.size(), 1u);
    s.events.clear();
    s.exit(401, atom("normal"));
    s.add(TraceKind::DownDelivered, 401, 400, atom("normal"), ref);
    g.apply(s.events, 0);
    EXPECT_TRUE(g.node(400)->monitors.empty());
    EXPECT_TRUE(g.monitorPairs().empty());
    EXPECT_TRUE(g.node(400)->alive);
}

TEST(GraphState, DeadLingerThenLeaveThenAreForgotten)
{
    GraphState::Options o;
    o.lingerNs = 100;
    o.keepDead = 1;
    GraphState g(o);
    EventScript s;
    s.spawn(500, 0);
    s.spawn(501, 500);
    s.spawn(502, 501);
    s.spawn(503, 0);
    s.exit(501, atom("normal"));
    s.exit(503, atom("normal"));
    g.apply(s.events, 1000);
    EXPECT_TRUE(g.node(501)->inTree);
    g.tick(1050);
    EXPECT_TRUE(g.node(501)->inTree);
    g.tick(1200);
    EXPECT_EQ(g.node(500)->children, std::vector<uint64_t>({ 502 })) << "orphans move up to a live ancestor";
    EXPECT_EQ(g.node(502)->treeParent, 500u);
    EXPECT_EQ(g.node(501), nullptr) << "only one dead process is kept";
    EXPECT_NE(g.node(503), nullptr);
    EXPECT_EQ(g.checkConsistency(), "");
    g.clearDead();
    EXPECT_EQ(g.node(503), nullptr);
    EXPECT_EQ(g.nodes().size(), 2u);
    EXPECT_EQ(g.checkConsistency(), "");
}

TEST(GraphState, ADeltaListsEachChangedProcessOnceAndNoneThatIsGone)
{
    GraphState::Options o;
    o.lingerNs = 100;
    o.keepDead = 0;
    GraphState g(o);
    EventScript s;
    s.spawn(10, 0);
    s.spawn(11, 10);
    s.link(10, 11);
    g.apply(s.events, 1000);
    EXPECT_EQ(g.takeDelta().changed, std::vector<uint64_t>({ 10, 11 })) << "in order of first change, once each";
    s.events.clear();
    s.exit(11, atom("boom")); // changes 10 (its half of the link goes) and 11
    s.add(TraceKind::TrapExit, 10).count = 1;
    g.apply(s.events, 1000);
    EXPECT_EQ(g.takeDelta().changed, std::vector<uint64_t>({ 10, 11 })) << "10 once, though touched twice";
    EXPECT_TRUE(g.takeDelta().changed.empty()) << "a new delta starts empty";
    // 11 is forgotten once it has lingered (keepDead 0): a delta taken after that does not list it.
    s.events.clear();
    s.add(TraceKind::TrapExit, 10).count = 0;
    g.apply(s.events, 2000);
    g.tick(2000);
    ASSERT_EQ(g.node(11), nullptr);
    EXPECT_EQ(g.takeDelta().changed, std::vector<uint64_t>({ 10 }));
}

TEST(GraphState, ResyncKeepsWhatSnapshotsDoNotCarry)
{
    GraphState g;
    EventScript s;
    supervisedTree(s);
    s.exit(102, atom("killed"));
    s.spawnLink(104, 100, nullptr, "gen_server");
    s.childRestarted(100, 102, 104, "b", 1);
    g.apply(s.events, 0);
    g.takeDelta();

    Snapshot snap;
    snap.seq = s.seq() + 5;
    for (uint64_t pid : { 100, 101, 104, 105 }) {
        ProcessSnapshot p;
        p.pid = pid;
        p.parent = pid == 100 ? 0 : 100;
        if (pid != 100)
            p.links = { 100 };
        else
            p.links = { 101, 104, 105 };
        p.messageQueueLen = pid == 104 ? 7 : 0;
        snap.processes.push_back(p);
    }
    g.resync(snap, 5);
    EXPECT_EQ(g.node(104)->restarts, 1u);
    EXPECT_EQ(g.node(104)->extras().childId, "b");
    EXPECT_EQ(g.node(104)->mailbox, 7);
    EXPECT_FALSE(g.node(103)->alive) << "gone from the snapshot: died while events were lost";
    ASSERT_NE(g.node(105), nullptr);
    EXPECT_EQ(g.node(105)->treeParent, 100u);
    EXPECT_EQ(g.aliveCount(), 4u);
    EXPECT_EQ(g.checkConsistency(), "");
    EXPECT_TRUE(g.takeDelta().resynced);

    // Events already covered by the snapshot are skipped.
    EventScript late;
    late.setSeq(s.seq());
    late.queue(104, 101, atom("old"));
    g.apply(late.events, 6);
    EXPECT_EQ(g.node(104)->mailbox, 7);
}

TEST(GraphState, ResyncThatFindsTheSameTreeAsksForNoLayout)
{
    GraphState g;
    EventScript s;
    s.spawn(1, 0, "root");
    s.spawnLink(2, 1);
    s.spawn(3, 1);
    g.apply(s.events, 0);
    g.takeDelta();
    auto snapshotOf = [&](std::vector<uint64_t> pids) {
        Snapshot snap;
        snap.seq = s.seq() + 1;
        for (uint64_t pid : pids) {
            ProcessSnapshot p;
            p.pid = pid;
            p.parent = pid == 1 ? 0 : 1;
            if (pid == 1)
                p.links = { 2 };
            else if (pid == 2)
                p.links = { 1 };
            p.messageQueueLen = pid == 3 ? 4 : 0;
            snap.processes.push_back(p);
        }
        return snap;
    };
    g.resync(snapshotOf({ 1, 2, 3 }), 1);
    GraphDelta d = g.takeDelta();
    EXPECT_TRUE(d.resynced);
    EXPECT_FALSE(d.structureChanged) << "same tree";
    EXPECT_FALSE(d.edgesChanged) << "same links";
    EXPECT_NE(std::find(d.changed.begin(), d.changed.end(), 3u), d.changed.end());
    EXPECT_EQ(g.node(3)->mailbox, 4);

    g.resync(snapshotOf({ 1, 2, 3, 4 }), 2);
    d = g.takeDelta();
    EXPECT_TRUE(d.structureChanged) << "a process the events missed";
    EXPECT_EQ(d.added, std::vector<uint64_t>({ 4 }));
    EXPECT_FALSE(d.edgesChanged);

    g.resync(snapshotOf({ 1, 3, 4 }), 3);
    d = g.takeDelta();
    EXPECT_TRUE(d.edgesChanged) << "2 died while events were lost: its link is gone";
    EXPECT_FALSE(g.node(2)->alive);
    EXPECT_EQ(g.checkConsistency(), "");
}

namespace {
// A snapshot numbered `seq` of processes given as {pid, parent}.
Snapshot snapshotOfParents(uint64_t seq, std::initializer_list<std::pair<uint64_t, uint64_t>> pidParent)
{
    Snapshot snap;
    snap.seq = seq;
    for (auto [pid, parent] : pidParent) {
        ProcessSnapshot p;
        p.pid = pid;
        p.parent = parent;
        snap.processes.push_back(p);
    }
    return snap;
}
} // namespace

TEST(GraphState, ResyncPutsAProcessUnderTheParentItBrings)
{
    GraphState g;
    EventScript s;
    s.spawn(1, 0, "root");
    s.spawn(5, 3); // 3's own spawn was lost
    g.apply(s.events, 0);
    ASSERT_EQ(g.node(5)->treeParent, 0u);
    g.resync(snapshotOfParents(s.seq() + 1, { { 1, 0 }, { 3, 1 }, { 5, 3 } }), 1);
    EXPECT_EQ(g.node(3)->treeParent, 1u);
    EXPECT_EQ(g.node(5)->treeParent, 3u);
    EXPECT_EQ(g.roots(), std::vector<uint64_t>({ 1 }));
    EXPECT_TRUE(g.takeDelta().structureChanged);
    EXPECT_EQ(g.checkConsistency(), "");
}

// A batch that a resync follows skips the processes born in it, but not a dead parent whose child lives on: the
// resync brings the child back under it.
TEST(GraphState, ALiveChildKeepsItsDeadParentThroughALossyBatch)
{
    GraphState g;
    EventScript s;
    s.spawn(1, 0, "root");
    g.apply(s.events, 0);
    EventScript b;
    b.setSeq(s.seq());
    b.spawn(500, 1);
    b.spawn(501, 500);
    b.exit(500, atom("normal"));
    b.spawn(600, 1); // a whole family gone within the batch
    b.spawn(601, 600);
    b.exit(601, atom("normal"));
    b.exit(600, atom("normal"));
    g.apply(b.events, 0, true);
    EXPECT_EQ(g.node(501), nullptr) << "alive, but the resync restores it";
    ASSERT_NE(g.node(500), nullptr) << "its parent is kept for it";
    EXPECT_FALSE(g.node(500)->alive);
    EXPECT_EQ(g.node(600), nullptr);
    EXPECT_EQ(g.node(601), nullptr);
    g.resync(snapshotOfParents(b.seq() + 1, { { 1, 0 }, { 501, 500 } }), 1);
    ASSERT_NE(g.node(501), nullptr);
    EXPECT_EQ(g.node(501)->treeParent, 500u);
    EXPECT_EQ(g.roots(), std::vector<uint64_t>({ 1 }));
    EXPECT_EQ(g.checkConsistency(), "");
}

namespace {
// The short-lived processes of the storm get pids first, first + stride, ...: 1 packs them, a big stride spreads them
// over millions of pids (as a batch that lost events in a storm may).
void expectStormFoldedBeyondTheLastFew(uint64_t first, uint64_t stride)
{
    GraphState::Options o;
    o.keepShortLivedPerBatch = 8;
    GraphState g(o);
    EventScript s;
    s.spawn(1, 0, "spawner");
    s.spawn(2, 0, "watcher");
    g.apply(s.events, 0);
    g.takeDelta();

    EventScript b;
    b.setSeq(s.seq());
    // A short-lived process whose exit signal kills a live one.
    b.spawn(400, 0, "victim");
    b.spawn(401, 1);
    b.signal(401, 400, atom("boom"), SignalOutcome::Killed);
    b.exit(401, atom("boom"));
    auto pidAt = [&](uint64_t k) { return first + k * stride; };
    for (uint64_t k = 0; k < 100; ++k) {
        const uint64_t pid = pidAt(k);
        b.spawn(pid, 1);
        b.add(TraceKind::MessageSent, pid, 2, atom("hi"));
        b.link(2, pid); // a half on a live process that the death would remove anyway
        b.exit(pid, atom("normal"));
    }
    // One that spawned a child and one supervised: never folded.
    b.spawn(200, 1);
    b.spawn(201, 200);
    b.exit(200, atom("normal"));
    b.spawn(300, 1);
    b.childStarted(1, 300, "w");
    b.exit(300, atom("normal"));
    g.apply(b.events, 0);

    EXPECT_EQ(g.checkConsistency(), "");
    const GraphDelta d = g.takeDelta();
    // 101 short-lived ones qualify (401 and the 100); the last 8 deaths (k = 92..99) are kept.
    EXPECT_EQ(g.foldedCount(), 93u);
    EXPECT_EQ(d.folded, 93u);
    EXPECT_EQ(d.events, b.events.size()) << "every event is counted";
    EXPECT_EQ(d.messagesSent, 100u) << "folded processes' sends still count";
    EXPECT_EQ(d.exits, 103u);
    EXPECT_EQ(g.node(pidAt(0)), nullptr) << "an early one is folded";
    EXPECT_EQ(g.node(401), nullptr);
    EXPECT_EQ(g.node(pidAt(91)), nullptr);
    ASSERT_NE(g.node(pidAt(99)), nullptr) << "the last deaths are kept";
    EXPECT_NE(g.node(pidAt(92)), nullptr);
    EXPECT_FALSE(g.node(pidAt(99))->alive);
    EXPECT_EQ(g.node(400)->status, NodeStatus::Exiting) << "a folded process's signal still did its work";
    ASSERT_NE(g.node(200), nullptr) << "a parent is never folded";
    EXPECT_EQ(g.node(201)->treeParent, 200u);
    ASSERT_NE(g.node(300), nullptr) << "a supervised child is never folded";
    EXPECT_EQ(g.node(300)->extras().supervisor, 1u);
    EXPECT_TRUE(g.node(2)->links.empty()) << "no link halves to folded processes";
    EXPECT_EQ(g.aliveCount(), 4u); // 1, 2, 201, 400
    EXPECT_EQ(g.lastSeq(), b.seq());
}
} // namespace

TEST(GraphState, ShortLivedStormIsFoldedBeyondTheLastFew) { expectStormFoldedBeyondTheLastFew(10, 1); }

TEST(GraphState, ShortLivedStormIsFoldedWhenItsPidsLieFarApart)
{
    expectStormFoldedBeyondTheLastFew(1000, 1'000'003);
}

TEST(GraphState, FewShortLivedProcessesAreAllKept)
{
    GraphState g;
    EventScript s;
    s.spawn(1, 0, "spawner");
    for (uint64_t pid = 10; pid < 30; ++pid) {
        s.spawn(pid, 1);
        s.exit(pid, atom("normal"));
    }
    g.apply(s.events, 0);
    EXPECT_EQ(g.foldedCount(), 0u);
    EXPECT_NE(g.node(10), nullptr);
    EXPECT_EQ(g.checkConsistency(), "");
}

TEST(GraphState, LabelsReadAsUsersWroteThem)
{
    auto fnLabel = [](const char* module, const char* name, int64_t arity) {
        return Term::tuple({ Term::atom(module), Term::atom(name), Term::integer(arity) });
    };
    EXPECT_EQ(labelText(fnLabel("elixir_compiler_0", "-__FILE__/1-fun-1-", 0)), "fn/0 in __FILE__/1");
    EXPECT_EQ(labelText(fnLabel("Elixir.Flood", "-run/2-fun-0-", 1)), "fn/1 in Flood.run/2");
    EXPECT_EQ(labelText(fnLabel("lists", "-map/2-fun-0-", 1)), "fn/1 in :lists.map/2");
    EXPECT_EQ(labelText(atom("Elixir.Demo.Cache")), "Demo.Cache");
    EXPECT_EQ(labelText(Term::binary("Task")), "Task");
    // Any other tuple is shown as Elixir would print it.
    EXPECT_EQ(labelText(fnLabel("Elixir.Flood", "run", 2)), "{Flood, :run, 2}");
    EXPECT_EQ(labelText(fnLabel("m", "-fun-", 0)), "{:m, :\"-fun-\", 0}");
}

TEST(SparseString, HoldsOnlyNonEmptyValuesAndCopiesThemDeeply)
{
    SparseString s;
    EXPECT_TRUE(s.empty());
    EXPECT_EQ(s.str(), "");
    s = std::string("gen_server");
    EXPECT_FALSE(s.empty());
    EXPECT_EQ(s, "gen_server");
    EXPECT_EQ(s.size(), 10u);
    EXPECT_EQ("<" + s + ">", "<gen_server>");

    SparseString copy = s; // a copy of its own: changing one leaves the other
    copy = "supervisor";
    EXPECT_EQ(s, "gen_server");
    EXPECT_EQ(copy, "supervisor");

    s = std::string(); // an empty value is no value
    EXPECT_TRUE(s.empty());
    EXPECT_EQ(s, std::string());
    EXPECT_FALSE(s == copy);
    s = copy;
    EXPECT_TRUE(s == copy);
    static_assert(sizeof(SparseString) == sizeof(void*), "one pointer wide");

    const SparseString& self = s;
    s = self; // assigning itself keeps the value
    EXPECT_EQ(s, "supervisor");
    SparseString moved = std::move(s);
    EXPECT_EQ(moved, "supervisor");
    moved = {}; // no value, not a null pointer read
    EXPECT_TRUE(moved.empty());
    moved = static_cast<const char*>(nullptr);
    EXPECT_TRUE(moved.empty());
    copy.clear();
    EXPECT_TRUE(copy.empty());
    EXPECT_EQ(copy.str(), "");
}

TEST(GraphState, ANodeIsSmallWhenItsTextsAreEmpty)
{
    // A million processes in the window are a million nodes: their mostly empty texts must not cost a string each.
    static_assert(sizeof(GraphNode) <= 104, "GraphNode grew: mind a million of them");
    GraphState g;
    EventScript s;
    s.spawn(7, 0, nullptr, nullptr);
    g.apply(s.events, 0);
    ASSERT_NE(g.node(7), nullptr);
    EXPECT_TRUE(g.node(7)->extras().registeredName.empty());
    EXPECT_TRUE(g.node(7)->extras().exitReason.empty());
    EXPECT_EQ(g.node(7)->displayName(), "");
    // Nor their empty lists a vector each.
    EXPECT_EQ(g.node(7)->links.capacity(), 0u);
    EXPECT_EQ(g.node(7)->children.capacity(), 0u);
}

TEST(GraphState, PlainProcessesHaveNoExtrasUntilSomethingRareHappensToThem)
{
    // The rarely set fields live apart and are allocated on first write: a plain process, whether it came from its
    // events or from a snapshot, has none; a label, a name, a supervisor or a death brings them.
    GraphState g;
    EventScript s;
    s.spawn(7, 0, nullptr, nullptr);
    s.spawn(8, 7, nullptr, nullptr);
    s.spawn(9, 7, "worker", nullptr);
    s.spawn(10, 7, nullptr, nullptr);
    s.add(TraceKind::Registered, 10, 0, atom("cache"));
    s.spawn(11, 7, nullptr, nullptr);
    s.exit(11, atom("boom"));
    g.apply(s.events, 0);
    EXPECT_FALSE(g.node(7)->hasExtras());
    EXPECT_FALSE(g.node(8)->hasExtras());
    EXPECT_EQ(g.node(8)->extras().supervisor, 0u);
    EXPECT_TRUE(g.node(8)->extras().childIdTerm.isNilAtom());
    ASSERT_TRUE(g.node(9)->hasExtras());
    EXPECT_EQ(g.node(9)->displayName(), "worker");
    EXPECT_EQ(g.node(10)->displayName(), "cache");
    EXPECT_EQ(g.node(11)->extras().exitReason, ":boom");

    Snapshot snap;
    snap.seq = s.seq() + 1;
    for (uint64_t pid : { 7, 8, 9, 10, 12 }) {
        ProcessSnapshot p;
        p.pid = pid;
        p.parent = pid == 7 ? 0 : 7;
        if (pid == 9)
            p.label = atom("worker");
        if (pid == 10)
            p.registeredName = atom("cache").asAtom();
        snap.processes.push_back(p);
    }
    g.resync(snap, 1);
    EXPECT_FALSE(g.node(7)->hasExtras()) << "nothing to write: nothing allocated";
    EXPECT_FALSE(g.node(12)->hasExtras());
    EXPECT_EQ(g.node(9)->displayName(), "worker");
    EXPECT_EQ(g.node(10)->displayName(), "cache");

    // Unregistering clears the name it held; a copy of a node has extras of its own.
    EventScript later;
    later.setSeq(snap.seq);
    later.add(TraceKind::Unregistered, 10, 0, atom("cache"));
    g.apply(later.events, 2);
    EXPECT_EQ(g.node(10)->displayName(), "");
    GraphNode copy = *g.node(9);
    EXPECT_EQ(copy.displayName(), "worker");
    copy.editExtras().label = "other";
    EXPECT_EQ(g.node(9)->displayName(), "worker");
    EXPECT_EQ(g.checkConsistency(), "");
}

TEST(GraphState, ProcessesStartedAlikeShareOneCopyOfTheirInitialCallAndBehaviour)
{
    GraphState g;
    EventScript s;
    const Term mfa = Term::tuple({ atom("erlang"), atom("apply"), Term::integer(2) });
    s.add(TraceKind::Spawned, 20, 0, atom("nil"), mfa);
    s.add(TraceKind::Spawned, 21, 0, atom("nil"), mfa);
    s.add(TraceKind::Label, 20, 0, atom("nil"), atom("gen_server"));
    s.add(TraceKind::Label, 21, 0, atom("nil"), atom("gen_server"));
    g.apply(s.events, 0);
    const NodeExtras& a = g.node(20)->extras();
    const NodeExtras& b = g.node(21)->extras();
    EXPECT_EQ(a.initialCall, ":erlang.apply/2");
    EXPECT_EQ(&a.initialCall.str(), &b.initialCall.str());
    EXPECT_EQ(a.behaviour, "gen_server");
    EXPECT_EQ(&a.behaviour.str(), &b.behaviour.str());
    EXPECT_EQ(g.node(20)->kind, NodeKind::GenServer);

    InternedString x { std::string("abc") };
    InternedString y;
    EXPECT_TRUE(y.empty());
    EXPECT_EQ(y.str(), "");
    y = std::string_view("abc");
    EXPECT_TRUE(x == y);
    EXPECT_EQ("<" + y + ">", "<abc>");
    y = "";
    EXPECT_TRUE(y.empty());
    y = static_cast<const char*>(nullptr);
    EXPECT_TRUE(y.empty());
    EXPECT_EQ(InternedString(static_cast<const char*>(nullptr)).str(), "");
    static_assert(sizeof(InternedString) == sizeof(void*), "one pointer wide");
}

namespace {
TraceEvent numbered(uint64_t seq)
{
    TraceEvent e;
    e.seq = seq;
    e.data = Term::tuple({ atom("n"), Term::integer(int64_t(seq)) }); // a boxed term, so copies and moves count
    return e;
}
std::vector<uint64_t> seqs(const RecentEvents& r)
{
    std::vector<uint64_t> v;
    for (const TraceEvent& e : r.toVector())
        v.push_back(e.seq);
    return v;
}
} // namespace

TEST(RecentEvents, KeepsTheNewestUpToTheLimitOldestFirst)
{
    static_assert(sizeof(RecentEvents) == sizeof(void*), "one pointer wide");
    RecentEvents r;
    EXPECT_TRUE(r.empty());
    for (uint64_t i = 1; i <= 5; ++i)
        r.push(numbered(i), 4); // grows 1, 2, 4, then wraps
    EXPECT_EQ(seqs(r), std::vector<uint64_t>({ 2, 3, 4, 5 }));
    EXPECT_EQ(r[0].seq, 2u);
    EXPECT_EQ(r.back().seq, 5u);
    for (uint64_t i = 6; i <= 11; ++i)
        r.push(numbered(i), 4);
    EXPECT_EQ(seqs(r), std::vector<uint64_t>({ 8, 9, 10, 11 }));
    EXPECT_EQ(r[3].data, Term::tuple({ atom("n"), Term::integer(11) }));

    // A copy is independent, in the same order; a push of one of its own events (before and after it wraps).
    RecentEvents copy = r;
    copy.push(copy[0], 4);
    EXPECT_EQ(seqs(copy), std::vector<uint64_t>({ 9, 10, 11, 8 }));
    EXPECT_EQ(seqs(r), std::vector<uint64_t>({ 8, 9, 10, 11 }));
    RecentEvents small;
    small.push(numbered(1), 8);
    small.push(small[0], 8); // grows while the pushed event is one of those that move
    EXPECT_EQ(seqs(small), std::vector<uint64_t>({ 1, 1 }));
    EXPECT_EQ(small[1].data, Term::tuple({ atom("n"), Term::integer(1) }));

    // A lower limit keeps the newest that fit; a limit of 0 keeps nothing.
    r.push(numbered(12), 2);
    EXPECT_EQ(seqs(r), std::vector<uint64_t>({ 11, 12 }));
    r.push(numbered(13), 2);
    EXPECT_EQ(seqs(r), std::vector<uint64_t>({ 12, 13 }));
    RecentEvents moved = std::move(r);
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(seqs(moved), std::vector<uint64_t>({ 12, 13 }));
    moved = copy;
    EXPECT_EQ(seqs(moved), std::vector<uint64_t>({ 9, 10, 11, 8 }));
    moved.push(numbered(14), 0);
    EXPECT_TRUE(moved.empty());
    moved.push(numbered(15), 3);
    EXPECT_EQ(seqs(moved), std::vector<uint64_t>({ 15 }));
}

TEST(CompactVector, KeepsOrderThroughInsertsAndErasesAndHoldsNothingWhenEmpty)
{
    static_assert(sizeof(CompactVector<uint64_t>) == sizeof(void*), "one pointer wide");
    CompactVector<uint64_t> v;
    EXPECT_TRUE(v.empty());
    EXPECT_EQ(v.begin(), v.end());
    for (uint64_t i = 1; i <= 5; ++i)
        v.push_back(i * 10); // 10 20 30 40 50, growing on the way
    EXPECT_EQ(v, std::vector<uint64_t>({ 10, 20, 30, 40, 50 }));
    v.insert(v.begin() + 2, 25);
    v.insert(v.end(), 60);
    v.insert(v.begin(), 5);
    EXPECT_EQ(v, std::vector<uint64_t>({ 5, 10, 20, 25, 30, 40, 50, 60 }));
    const std::vector<uint64_t> more { 1, 2, 3 };
    v.insert(v.begin() + 1, more.begin(), more.end());
    EXPECT_EQ(v, std::vector<uint64_t>({ 5, 1, 2, 3, 10, 20, 25, 30, 40, 50, 60 }));
    v.erase(v.begin() + 1, v.begin() + 4);
    v.erase(v.begin());
    EXPECT_EQ(v, std::vector<uint64_t>({ 10, 20, 25, 30, 40, 50, 60 }));
    EXPECT_EQ(v.eraseIf([](uint64_t x) { return x % 20 == 0; }), 3u);
    EXPECT_EQ(v, std::vector<uint64_t>({ 10, 25, 30, 50 }));
    v.push_back(v.front()); // an element of its own, possibly as it grows
    v.push_back(v.back());
    EXPECT_EQ(v, std::vector<uint64_t>({ 10, 25, 30, 50, 10, 10 }));
    EXPECT_EQ(std::vector<uint64_t>(v.rbegin(), v.rend()), std::vector<uint64_t>({ 10, 10, 50, 30, 25, 10 }));

    CompactVector<uint64_t> copy = v; // its own elements: changing one leaves the other
    copy[0] = 99;
    EXPECT_EQ(v[0], 10u);
    CompactVector<uint64_t> moved = std::move(copy);
    EXPECT_TRUE(copy.empty()); // NOLINT(bugprone-use-after-move): a moved-from vector is empty
    EXPECT_EQ(moved.front(), 99u);
    moved = std::vector<uint64_t> { 7 };
    EXPECT_EQ(moved, std::vector<uint64_t>({ 7 }));
    moved = moved; // NOLINT: assigning itself leaves it as it was
    EXPECT_EQ(moved.toVector(), std::vector<uint64_t>({ 7 }));

    // Emptied by erasing or clearing, it gives its memory back like one never used.
    moved.erase(moved.begin());
    EXPECT_TRUE(moved.empty());
    EXPECT_EQ(moved.capacity(), 0u);
    v.clear();
    EXPECT_EQ(v.capacity(), 0u);
    v.push_back(1);
    EXPECT_EQ(v.size(), 1u);

    CompactVector<MonitorEdge> edges { { 1, 2 }, { 3, 4 } };
    EXPECT_EQ(edges, std::vector<MonitorEdge>({ { 1, 2 }, { 3, 4 } }));
    EXPECT_FALSE(edges == std::vector<MonitorEdge>({ { 1, 2 } }));
}
