// Chaos: kill random members of a 3-level supervision tree for a fixed number of rounds (fixed seeds, virtual
// time), checking after every round that each supervisor gave up exactly when the intensity rule says
// (more than 3 restarts within 5 s, whole seconds, inclusive), and at the end that the tree is whole again.

#include "otp/supervisor.h"

#include "testutil.h"

#include <cstdio>
#include <map>
#include <random>
#include <set>

using namespace vigil;
using namespace vigil::otp;
using namespace vigil::test;

namespace {

class Idle : public GenServer {
};

ChildSpec worker(const char* id)
{
    ChildSpec s;
    s.id = A(id);
    s.start = [](ProcessContext& ctx) { return GenServer::startLink(ctx, std::make_shared<Idle>(), I(0)); };
    return s;
}

SupervisorFlags strategy(Atom a)
{
    SupervisorFlags f;
    f.strategy = a;
    return f;
}

// root (one_for_one) ─ w1, mid1 (one_for_all) ─ [x1, x2, leaf (rest_for_one) ─ [y1, y2, y3]], mid2 (rest_for_one) ─ [z1, z2]
std::vector<ChildSpec> tree()
{
    ChildSpec leaf = Supervisor::childSpec(A("leaf"), { worker("y1"), worker("y2"), worker("y3") },
        strategy(atoms::rest_for_one));
    ChildSpec mid1 = Supervisor::childSpec(A("mid1"), { worker("x1"), worker("x2"), leaf }, strategy(atoms::one_for_all));
    ChildSpec mid2 = Supervisor::childSpec(A("mid2"), { worker("z1"), worker("z2") }, strategy(atoms::rest_for_one));
    return { worker("w1"), mid1, mid2 };
}

struct Node {
    Term pid;
    Term parent; // supervisor pid (nil for the root)
    Term id;
    bool supervisor = false;
};

struct OtpChaos : DetFixture {
    std::shared_ptr<TraceSubscription> trace = rt.subscribe();
    int roundsRun = 0;
    int giveUps = 0;

    // Walks the live tree from the root. Returns false if some child is not running.
    bool walk(const Term& sup, const Term& parent, const Term& id, std::vector<Node>& out, size_t& specs)
    {
        out.push_back({ sup, parent, id, true });
        auto wc = Supervisor::whichChildren(rt, sup);
        if (!wc)
            return false;
        std::vector<Term> items;
        wc->toVector(items);
        bool whole = true;
        for (const Term& c : items) {
            ++specs;
            if (!c.element(1).isPid()) {
                whole = false;
                continue;
            }
            if (c.element(2).isAtom(atoms::supervisor))
                whole = walk(c.element(1), sup, c.element(0), out, specs) && whole;
            else
                out.push_back({ c.element(1), sup, c.element(0), false });
        }
        return whole;
    }

    void runChaos(uint32_t seed, int rounds)
    {
        SupervisorFlags rootFlags;
        rootFlags.maxRestarts = 5; // the root tolerates more, so rounds go on after inner give-ups
        auto root = Supervisor::start(rt, tree(), rootFlags);
        ASSERT_TRUE(root.hasValue());
        const Term rootPid = *root;
        Term rootMon = *host->monitor(rootPid);
        std::mt19937 rng(seed);
        std::map<uint64_t, std::vector<int64_t>> history; // supervisor pid → restart decisions (whole seconds)
        auto decide = [&](const Term& sup, int64_t nowMs) {
            auto& h = history[sup.pidSerial()];
            const int64_t now = nowMs / 1000;
            std::erase_if(h, [&](int64_t t) { return t < now - 5; });
            h.push_back(now);
            const size_t max = sup == rootPid ? 5 : 3;
            return h.size() <= max; // true: restarts; false: gives up
        };

        for (int round = 0; round < rounds; ++round) {
            std::vector<Node> nodes;
            size_t specs = 0;
            ASSERT_TRUE(walk(rootPid, Term::nil(), A("root"), nodes, specs)) << "round " << round;
            ASSERT_EQ(nodes.size(), 12u);
            std::vector<TraceEvent> drained;
            trace->drain(drained);

            const Node victim = nodes[1 + rng() % (nodes.size() - 1)];
            // Expected give-ups: the victim's supervisor decides; if it gives up, its parent decides, and so on.
            std::set<uint64_t> expectGaveUp;
            Term decider = victim.parent;
            const int64_t now = rt.nowMs();
            while (decider.isPid()) {
                if (decide(decider, now))
                    break;
                expectGaveUp.insert(decider.pidSerial());
                auto it = std::find_if(nodes.begin(), nodes.end(), [&](const Node& n) { return n.pid == decider; });
                decider = it->parent;
            }

            rt.exit(victim.pid, A("kill"));
            rt.runUntilIdle();
            ++roundsRun;
            giveUps += int(expectGaveUp.size());

            std::vector<TraceEvent> events;
            trace->drain(events);
            std::set<uint64_t> gaveUp;
            for (const auto& e : events)
                if (e.kind == TraceKind::SupervisorGaveUp)
                    gaveUp.insert(e.pid);
            ASSERT_EQ(gaveUp, expectGaveUp) << "seed " << seed << " round " << round << " victim "
                                            << victim.id.inspect() << " at " << now << " ms";
            if (expectGaveUp.count(rootPid.pidSerial())) {
                auto down = host->receive(0, [rootMon](const Term& m) { return isDown(m) && m.element(1) == rootMon; });
                ASSERT_TRUE(down.has_value());
                EXPECT_EQ(down->element(4), A("shutdown"));
                return; // the whole tree is gone, as the rule says
            }
            rt.runFor(int64_t(rng() % 2500));
        }
        std::vector<Node> nodes;
        size_t specs = 0;
        EXPECT_TRUE(walk(rootPid, Term::nil(), A("root"), nodes, specs)) << "tree is whole at the end";
        EXPECT_EQ(nodes.size(), 12u);
        EXPECT_EQ(specs, 11u);
        for (const Node& n : nodes)
            EXPECT_TRUE(rt.isAlive(n.pid)) << n.id.inspect();
    }
};

} // namespace

TEST_F(OtpChaos, RandomKillsOfA3LevelTree)
{
    for (uint32_t seed : { 1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u }) {
        SCOPED_TRACE(seed);
        runChaos(seed, 150);
        if (HasFatalFailure())
            return;
    }
    // The run must have exercised both restarts and give-ups.
    EXPECT_GT(roundsRun, 300);
    EXPECT_GT(giveUps, 0);
    std::printf("chaos: %d rounds, %d give-ups\n", roundsRun, giveUps);
}
