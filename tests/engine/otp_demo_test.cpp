// The bundled demo tree: alive, three levels of supervisors with all three strategies, a growing and draining
// mailbox, a cache that takes {:put, k, v} and loses its state when killed.

#include "otp/demo.h"
#include "otp/genserver.h"

#include "testutil.h"

#include <thread>

using namespace vigil;
using namespace vigil::otp;
using namespace vigil::test;

namespace {

Term pidOf(Runtime& rt, const char* alias) { return rt.whereis(Atom::intern(std::string("Elixir.") + alias)); }

struct OtpDemo : DetFixture { };

} // namespace

TEST_F(OtpDemo, TreeIsAliveAndMoving)
{
    auto root = startDemo(rt);
    ASSERT_TRUE(root.hasValue()) << root.error().inspect();
    EXPECT_EQ(pidOf(rt, "Demo.Root"), *root);
    rt.runFor(1000);
    for (const char* n : { "Demo.Root", "Demo.Cache", "Demo.Stats", "Demo.Pipeline", "Demo.Producer", "Demo.Consumer",
             "Demo.Workers", "Demo.Worker.1", "Demo.Worker.2", "Demo.Jobs", "Demo.Ticker", "Demo.Sessions",
             "Demo.Flaky" })
        EXPECT_TRUE(pidOf(rt, n).isPid()) << n;

    auto strategyOf = [&](const char* n) { return *rt.detail(pidOf(rt, n))->state.mapGet(A("strategy")); };
    EXPECT_EQ(strategyOf("Demo.Root"), A("one_for_one"));
    EXPECT_EQ(strategyOf("Demo.Pipeline"), A("rest_for_one"));
    EXPECT_EQ(strategyOf("Demo.Workers"), A("one_for_all"));
    EXPECT_EQ(strategyOf("Demo.Jobs"), A("one_for_one"));
    EXPECT_LT(rt.processCount(), 80u);

    // The consumer's mailbox grows while it is slow and shrinks when it catches up.
    size_t most = 0, afterMost = SIZE_MAX;
    for (int i = 0; i < 40; ++i) {
        rt.runFor(250);
        const size_t len = rt.detail(pidOf(rt, "Demo.Consumer"))->summary.messageQueueLen;
        if (len > most)
            most = len, afterMost = len;
        afterMost = std::min(afterMost, len);
    }
    EXPECT_GE(most, 100u);
    EXPECT_LT(afterMost, most / 2);
}

TEST_F(OtpDemo, CacheTakesPutMessagesAndLosesStateWhenKilled)
{
    ASSERT_TRUE(startDemo(rt).hasValue());
    rt.runFor(500);
    Term cache = pidOf(rt, "Demo.Cache");
    // A key the demo's own workers never write, so only the restart can make it disappear.
    ASSERT_TRUE(rt.send(A("Elixir.Demo.Cache"), T({ A("put"), A("probe"), I(42) })));
    EXPECT_EQ(*GenServer::call(rt, A("Elixir.Demo.Cache"), T({ A("get"), A("probe") })), I(42));
    rt.exit(cache, A("kill"));
    rt.runFor(100);
    Term again = pidOf(rt, "Demo.Cache");
    ASSERT_TRUE(again.isPid());
    EXPECT_NE(again, cache);
    EXPECT_EQ(*GenServer::call(rt, A("Elixir.Demo.Cache"), T({ A("get"), A("probe") })), Term::nil());
    // The workers kept going through the restart.
    EXPECT_TRUE(rt.isAlive(pidOf(rt, "Demo.Worker.1")));
}

TEST_F(OtpDemo, RunsALongWhileWithoutGivingUp)
{
    auto root = startDemo(rt);
    ASSERT_TRUE(root.hasValue());
    rt.runFor(90'000);
    EXPECT_TRUE(rt.isAlive(*root));
    EXPECT_TRUE(pidOf(rt, "Demo.Flaky").isPid());
    EXPECT_TRUE(pidOf(rt, "Demo.Sessions").isPid());
}

// The demo on the threaded scheduler (what the GUI runs): kill the cache from another thread, see it come back,
// and shut the whole tree down cleanly.
TEST(OtpThreaded, DemoRestartsAndShutsDown)
{
    Runtime rt(RuntimeConfig { .mode = RuntimeConfig::Mode::Threaded, .workers = 2 });
    DemoOptions o;
    o.speed = 4.0;
    auto root = startDemo(rt, o);
    ASSERT_TRUE(root.hasValue());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const Term cache = pidOf(rt, "Demo.Cache");
    ASSERT_TRUE(cache.isPid());
    rt.exit(cache, A("kill"));
    Term again;
    for (int i = 0; i < 200; ++i) {
        again = pidOf(rt, "Demo.Cache");
        if (again.isPid() && again != cache)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(again.isPid());
    EXPECT_NE(again, cache);
    EXPECT_TRUE(GenServer::call(rt, A("Elixir.Demo.Cache"), A("current")).hasValue());
    EXPECT_EQ(*GenServer::stop(rt, *root, A("shutdown")), A("ok"));
    EXPECT_FALSE(rt.whereis(Atom::intern("Elixir.Demo.Cache")).isPid());
}
