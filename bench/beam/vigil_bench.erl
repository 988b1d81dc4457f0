%% The workloads of bench/engine_bench.cpp on the BEAM, one per run:
%%
%%   erlc -o OUT bench/beam/vigil_bench.erl
%%   erl +S 2:2 +P 4000000 -noshell -pa OUT -run vigil_bench main skynet 1111111
%%
%% prints one line in the same format as engine_bench:
%%
%%   RESULT system=beam workload=skynet n=1111111 trace=0 seconds=2.5 ops=1111111 check=499999500000
%%
%% Each workload must produce the same check value as the C++ versions for the same n.
-module(vigil_bench).
-export([main/1]).

-define(RING_SIZE, 100).
-define(FJ_WORKERS, 60).
-define(BIG_ACTORS, 120).
-define(FANIN_SENDERS, 100).
-define(BACKLOG, 10000).

main([Workload, NText]) ->
    N = list_to_integer(NText),
    Self = self(),
    %% Run the workload in a fresh process so the shell/init process's state does not matter.
    %% Processes that collect large mailboxes keep them off the heap, as BEAM code that collects many results
    %% should; otherwise every garbage collection copies the whole queue.
    spawn_opt(fun() -> Self ! {result, run(list_to_atom(Workload), N)} end, [{message_queue_data, off_heap}]),
    receive
        {result, {Seconds, Ops, Check, Extra}} ->
            ExtraText = lists:flatten([io_lib:format(" ~s=~s", [K, V]) || {K, V} <- Extra]),
            io:format("RESULT system=beam workload=~s n=~p trace=0 seconds=~.6f ops=~p check=~p~s~n",
                      [Workload, N, Seconds, Ops, Check, ExtraText])
    end,
    erlang:halt(0).

now_s() -> erlang:monotonic_time(nanosecond) / 1.0e9.

timed(Fun) ->
    T0 = now_s(),
    {Ops, Check} = Fun(),
    {now_s() - T0, Ops, Check, []}.

compute(Theta) ->
    S = math:sin(Theta),
    S * S.

lcg_next(X) -> (X * 1103515245 + 12345) band 16#7fffffff.

wait_count_at_most(Count) ->
    case erlang:system_info(process_count) > Count of
        true -> receive after 1 -> ok end, wait_count_at_most(Count);
        false -> ok
    end.

resident_bytes() ->
    {ok, Text} = file:read_file("/proc/self/statm"),
    [_Size, Resident | _] = binary:split(Text, <<" ">>, [global]),
    binary_to_integer(Resident) * 4096.

run(skynet, N) ->
    {Leaves, Procs} = skynet_shape(N, 1, 1),
    Self = self(),
    timed(fun() ->
        spawn(fun() -> skynet(Self, 0, Leaves) end),
        receive Sum -> {Procs, Sum} end
    end);

run(pingpong, N) ->
    timed(fun() ->
        Pong = spawn(fun pong/0),
        Sum = ping(Pong, 0, N, 0),
        Pong ! stop,
        {N, Sum}
    end);

run(counting, N) ->
    timed(fun() ->
        Counter = spawn_opt(fun() -> counter(0) end, [{message_queue_data, off_heap}]),
        count_send(Counter, N),
        Counter ! {get, self()},
        receive Count -> {N, Count} end
    end);

run(threadring, N) ->
    Self = self(),
    timed(fun() ->
        Ring = [spawn(fun() -> receive Next when is_pid(Next) -> ring_node(Self, I, Next) end end) || I <- lists:seq(0, ?RING_SIZE - 1)],
        [First | _] = Ring,
        lists:foreach(fun({P, Next}) -> P ! Next end, lists:zip(Ring, tl(Ring) ++ [First])),
        First ! N,
        receive Who -> {N, Who} end
    end);

run(fjthroughput, N) ->
    Self = self(),
    timed(fun() ->
        Workers = [spawn_opt(fun() -> fj_worker(Self, 0, N, 0.0) end, [{message_queue_data, off_heap}])
                   || _ <- lists:seq(1, ?FJ_WORKERS)],
        fj_send(Workers, 0, N),
        {N * ?FJ_WORKERS, collect(?FJ_WORKERS, 0)}
    end);

run(fjcreate, N) ->
    Self = self(),
    timed(fun() ->
        fj_create(Self, 0, N),
        {N, collect(N, 0)}
    end);

run(big, N) ->
    Self = self(),
    timed(fun() ->
        %% A peer may ping before the peer list is here: wait for the list itself.
        Peers = [spawn(fun() -> receive All when tuple_size(All) =:= ?BIG_ACTORS -> big_start(Self, Id, N, All) end end)
                 || Id <- lists:seq(0, ?BIG_ACTORS - 1)],
        All = list_to_tuple(Peers),
        [P ! All || P <- Peers],
        Total = collect(?BIG_ACTORS, 0),
        [P ! stop || P <- Peers],
        {N * ?BIG_ACTORS, Total}
    end);

run(fib, N) ->
    Self = self(),
    timed(fun() ->
        spawn(fun() -> fib(Self, N) end),
        receive F -> {2 * fib_plain(N + 1) - 1, F} end
    end);

run(fanin, N) ->
    Self = self(),
    timed(fun() ->
        Sink = spawn_opt(fun() -> Self ! fanin_sink(N * ?FANIN_SENDERS, 0) end, [{message_queue_data, off_heap}]),
        [spawn(fun() -> fanin_send(Sink, 1, N) end) || _ <- lists:seq(1, ?FANIN_SENDERS)],
        receive Sum -> {N * ?FANIN_SENDERS, Sum} end
    end);

run(selective, N) ->
    timed(fun() ->
        Self = self(),
        [Self ! {junk, I} || I <- lists:seq(0, ?BACKLOG - 1)],
        Peer = spawn(fun pong/0),
        Sum = selective_rounds(Peer, 0, N, 0),
        Peer ! stop,
        {N, drain_backlog(0, Sum)}
    end);

run(exitstorm, N) ->
    Self = self(),
    Before = erlang:system_info(process_count),
    Root = spawn(fun() -> link_tree(Self, 0, N) end),
    collect_ready(N),
    Alive = erlang:system_info(process_count) - Before,
    T0 = now_s(),
    exit(Root, kill),
    wait_count_at_most(Before),
    {now_s() - T0, N, Alive, []};

run(idlememory, N) ->
    erlang:garbage_collect(),
    Rss0 = resident_bytes(),
    Self = self(),
    T0 = now_s(),
    spawn_idle(Self, N),
    collect_ready(N),
    Seconds = now_s() - T0,
    erlang:garbage_collect(),
    Rss1 = resident_bytes(),
    Check = case erlang:system_info(process_count) >= N of true -> N; false -> -1 end,
    PerProcess = (Rss1 - Rss0) / N,
    {Seconds, N, Check, [{"bytes_per_process", float_to_list(PerProcess, [{decimals, 3}])}]};

run(spawnexit, N) ->
    Before = erlang:system_info(process_count),
    T0 = now_s(),
    spawn_empty(N),
    wait_count_at_most(Before),
    {now_s() - T0, N, N, []}.

skynet_shape(N, Leaves, Procs) when Procs >= N -> {Leaves, Procs};
skynet_shape(N, Leaves, Procs) -> skynet_shape(N, Leaves * 10, Procs + Leaves * 10).

skynet(Parent, Num, 1) ->
    Parent ! Num;
skynet(Parent, Num, Size) ->
    Sub = Size div 10,
    Self = self(),
    [spawn(fun() -> skynet(Self, Num + I * Sub, Sub) end) || I <- lists:seq(0, 9)],
    Parent ! collect(10, 0).

collect(0, Acc) -> Acc;
collect(K, Acc) -> receive V -> collect(K - 1, Acc + V) end.

collect_ready(0) -> ok;
collect_ready(K) -> receive ready -> collect_ready(K - 1) end.

pong() ->
    receive
        {From, I} -> From ! I, pong();
        stop -> ok
    end.

ping(_Pong, N, N, Sum) -> Sum;
ping(Pong, I, N, Sum) ->
    Pong ! {self(), I},
    receive V -> ping(Pong, I + 1, N, Sum + V) end.

counter(Count) ->
    receive
        inc -> counter(Count + 1);
        {get, From} -> From ! Count
    end.

count_send(_Counter, 0) -> ok;
count_send(Counter, K) -> Counter ! inc, count_send(Counter, K - 1).

ring_node(Host, I, Next) ->
    receive
        0 -> Host ! I;
        T -> Next ! T - 1, ring_node(Host, I, Next)
    end.

fj_worker(Sink, N, N, Acc) ->
    Sink ! (case Acc >= 0 of true -> N; false -> -1 end);
fj_worker(Sink, K, N, Acc) ->
    receive I -> fj_worker(Sink, K + 1, N, Acc + compute(float(I))) end.

fj_send(_Workers, N, N) -> ok;
fj_send(Workers, I, N) ->
    [W ! I || W <- Workers],
    fj_send(Workers, I + 1, N).

fj_create(_Sink, N, N) -> ok;
fj_create(Sink, I, N) ->
    W = spawn(fun() -> receive V -> Sink ! (case compute(float(V)) >= 0 of true -> 1; false -> 0 end) end end),
    W ! I,
    fj_create(Sink, I + 1, N).

big_start(Sink, Id, N, All) ->
    Seed = big_ping(Id, Id, All),
    big_loop(Sink, Id, N, All, Seed, 1).

big_ping(Id, Seed0, All) ->
    Seed = lcg_next(Seed0),
    To0 = Seed rem ?BIG_ACTORS,
    To = case To0 == Id of true -> (To0 + 1) rem ?BIG_ACTORS; false -> To0 end,
    element(To + 1, All) ! {ping, Id},
    Seed.

big_loop(Sink, Id, N, All, Seed, Sent) ->
    receive
        {ping, From} ->
            element(From + 1, All) ! Id,
            big_loop(Sink, Id, N, All, Seed, Sent);
        Pong when is_integer(Pong) ->
            case Sent < N of
                true -> big_loop(Sink, Id, N, All, big_ping(Id, Seed, All), Sent + 1);
                false -> Sink ! Sent, big_loop(Sink, Id, N, All, Seed, Sent)
            end;
        stop -> ok
    end.

fib(Parent, N) when N < 2 -> Parent ! N;
fib(Parent, N) ->
    Self = self(),
    spawn(fun() -> fib(Self, N - 1) end),
    spawn(fun() -> fib(Self, N - 2) end),
    Parent ! collect(2, 0).

fib_plain(N) -> fib_plain(N, 0, 1).
fib_plain(0, A, _B) -> A;
fib_plain(K, A, B) -> fib_plain(K - 1, B, A + B).

fanin_sink(0, Sum) -> Sum;
fanin_sink(K, Sum) -> receive V -> fanin_sink(K - 1, Sum + V) end.

fanin_send(_Sink, I, N) when I > N -> ok;
fanin_send(Sink, I, N) -> Sink ! I, fanin_send(Sink, I + 1, N).

selective_rounds(_Peer, N, N, Sum) -> Sum;
selective_rounds(Peer, I, N, Sum) ->
    Peer ! {self(), I},
    receive V when is_integer(V) -> selective_rounds(Peer, I + 1, N, Sum + V) end.

drain_backlog(?BACKLOG, Sum) -> Sum;
drain_backlog(I, Sum) ->
    receive {junk, V} -> drain_backlog(I + 1, Sum + (case V == I of true -> V; false -> -1000000000 end)) end.

link_tree(Host, I, N) ->
    [spawn_link(fun() -> link_tree(Host, C, N) end) || C <- lists:seq(10 * I + 1, 10 * I + 10), C < N],
    Host ! ready,
    receive _ -> ok end.

spawn_idle(_Host, 0) -> ok;
spawn_idle(Host, K) ->
    spawn(fun() -> Host ! ready, receive _ -> ok end end),
    spawn_idle(Host, K - 1).

spawn_empty(0) -> ok;
spawn_empty(K) ->
    spawn(fun() -> ok end),
    spawn_empty(K - 1).
