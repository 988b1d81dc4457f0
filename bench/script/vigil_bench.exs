# The workloads of bench/engine_bench.cpp as scripted (Elixir) processes (all but idle memory, which needs the
# resident-set size). bench/script_bench.cpp loads this file, appends `VigilBench.main(:workload, n)` and runs it on
# Vigil's script runtime with 2 workers.
# Each run prints one line in the format of the other implementations:
#
#   RESULT system=script workload=skynet n=1111111 trace=0 seconds=... ops=... check=...
#
# The same file runs unchanged under `elixir` (append the call), which is how its check values were verified.
defmodule VigilBench do
  def main(workload, n) do
    host = self()
    spawn(fn -> send(host, {:result, run(workload, n)}) end)

    receive do
      {:result, {seconds_ns, ops, check}} ->
        secs = div(seconds_ns, 1000) / 1_000_000
        IO.puts("RESULT system=script workload=#{workload} n=#{n} trace=0 seconds=#{secs} ops=#{ops} check=#{check}")
    end
  end

  defp now(), do: System.monotonic_time(:nanosecond)

  defp timed(fun) do
    t0 = now()
    {ops, check} = fun.()
    {now() - t0, ops, check}
  end

  def run(:skynet, n) do
    {leaves, procs} = skynet_shape(n, 1, 1)
    me = self()

    timed(fn ->
      spawn(fn -> skynet(me, 0, leaves) end)

      receive do
        sum -> {procs, sum}
      end
    end)
  end

  def run(:pingpong, n) do
    timed(fn ->
      pong = spawn(fn -> pong() end)
      sum = ping(pong, 0, n, 0)
      send(pong, :stop)
      {n, sum}
    end)
  end

  def run(:counting, n) do
    timed(fn ->
      counter = spawn(fn -> counter(0) end)
      count_send(counter, n)
      send(counter, {:get, self()})

      receive do
        count -> {n, count}
      end
    end)
  end

  def run(:threadring, n) do
    me = self()

    timed(fn ->
      ring = for i <- 0..99, do: spawn(fn -> receive do next when is_pid(next) -> ring_node(me, i, next) end end)
      first = hd(ring)
      Enum.each(Enum.zip(ring, tl(ring) ++ [first]), fn {p, next} -> send(p, next) end)
      send(first, n)

      receive do
        who -> {n, who}
      end
    end)
  end

  def run(:fib, n) do
    me = self()

    timed(fn ->
      spawn(fn -> fib(me, n) end)

      receive do
        f -> {2 * fib_plain(n + 1, 0, 1) - 1, f}
      end
    end)
  end

  def run(:fanin, n) do
    me = self()

    timed(fn ->
      sink = spawn(fn -> send(me, fanin_sink(n * 100, 0)) end)
      for _ <- 1..100, do: spawn(fn -> fanin_send(sink, 1, n) end)

      receive do
        sum -> {n * 100, sum}
      end
    end)
  end

  def run(:selective, n) do
    timed(fn ->
      me = self()
      for i <- 0..9999, do: send(me, {:junk, i})
      peer = spawn(fn -> pong() end)
      sum = selective_rounds(peer, 0, n, 0)
      send(peer, :stop)
      {n, drain_backlog(0, sum)}
    end)
  end

  def run(:fjthroughput, n) do
    me = self()

    timed(fn ->
      workers = for _ <- 1..60, do: spawn(fn -> fj_worker(me, 0, n, 0.0) end)
      fj_send(workers, 0, n)
      {n * 60, collect(60, 0)}
    end)
  end

  def run(:fjcreate, n) do
    me = self()

    timed(fn ->
      fj_create(me, 0, n)
      {n, collect(n, 0)}
    end)
  end

  def run(:big, n) do
    me = self()

    timed(fn ->
      # A peer may ping before the peer list is here: wait for the list itself.
      peers = for id <- 0..119, do: spawn(fn -> receive do all when tuple_size(all) == 120 -> big_start(me, id, n, all) end end)
      all = List.to_tuple(peers)
      send_all(peers, all)
      total = collect(120, 0)
      send_all(peers, :stop)
      {n * 120, total}
    end)
  end

  def run(:exitstorm, n) do
    me = self()
    before = :erlang.system_info(:process_count)
    root = spawn(fn -> link_tree(me, 0, n) end)
    collect_ready(n)
    alive = :erlang.system_info(:process_count) - before
    t0 = now()
    Process.exit(root, :kill)
    wait_count_at_most(before)
    {now() - t0, n, alive}
  end

  def run(:spawnexit, n) do
    before = :erlang.system_info(:process_count)
    t0 = now()
    spawn_empty(n)
    wait_count_at_most(before)
    {now() - t0, n, n}
  end

  defp skynet_shape(n, leaves, procs) when procs >= n, do: {leaves, procs}
  defp skynet_shape(n, leaves, procs), do: skynet_shape(n, leaves * 10, procs + leaves * 10)

  defp skynet(parent, num, 1), do: send(parent, num)

  defp skynet(parent, num, size) do
    sub = div(size, 10)
    me = self()
    for i <- 0..9, do: spawn(fn -> skynet(me, num + i * sub, sub) end)
    send(parent, collect(10, 0))
  end

  defp collect(0, acc), do: acc

  defp collect(k, acc) do
    receive do
      v -> collect(k - 1, acc + v)
    end
  end

  defp pong() do
    receive do
      {from, i} ->
        send(from, i)
        pong()

      :stop ->
        :ok
    end
  end

  defp ping(_pong, n, n, sum), do: sum

  defp ping(pong, i, n, sum) do
    send(pong, {self(), i})

    receive do
      v -> ping(pong, i + 1, n, sum + v)
    end
  end

  defp counter(count) do
    receive do
      :inc -> counter(count + 1)
      {:get, from} -> send(from, count)
    end
  end

  defp count_send(_counter, 0), do: :ok

  defp count_send(counter, k) do
    send(counter, :inc)
    count_send(counter, k - 1)
  end

  defp ring_node(host, i, next) do
    receive do
      0 ->
        send(host, i)

      t ->
        send(next, t - 1)
        ring_node(host, i, next)
    end
  end

  defp fib(parent, n) when n < 2, do: send(parent, n)

  defp fib(parent, n) do
    me = self()
    spawn(fn -> fib(me, n - 1) end)
    spawn(fn -> fib(me, n - 2) end)
    send(parent, collect(2, 0))
  end

  defp fib_plain(0, a, _b), do: a
  defp fib_plain(k, a, b), do: fib_plain(k - 1, b, a + b)

  defp fanin_sink(0, sum), do: sum

  defp fanin_sink(k, sum) do
    receive do
      v -> fanin_sink(k - 1, sum + v)
    end
  end

  defp fanin_send(_sink, i, n) when i > n, do: :ok

  defp fanin_send(sink, i, n) do
    send(sink, i)
    fanin_send(sink, i + 1, n)
  end

  defp selective_rounds(_peer, n, n, sum), do: sum

  defp selective_rounds(peer, i, n, sum) do
    send(peer, {self(), i})

    receive do
      v when is_integer(v) -> selective_rounds(peer, i + 1, n, sum + v)
    end
  end

  defp compute(theta) do
    s = :math.sin(theta)
    s * s
  end

  defp send_all([], _msg), do: :ok

  defp send_all([p | rest], msg) do
    send(p, msg)
    send_all(rest, msg)
  end

  defp fj_worker(sink, n, n, acc), do: send(sink, if(acc >= 0, do: n, else: -1))

  defp fj_worker(sink, k, n, acc) do
    receive do
      i -> fj_worker(sink, k + 1, n, acc + compute(:erlang.float(i)))
    end
  end

  defp fj_send(_workers, n, n), do: :ok

  defp fj_send(workers, i, n) do
    send_all(workers, i)
    fj_send(workers, i + 1, n)
  end

  defp fj_create(_sink, n, n), do: :ok

  defp fj_create(sink, i, n) do
    w = spawn(fn -> receive do v -> send(sink, if(compute(:erlang.float(v)) >= 0, do: 1, else: 0)) end end)
    send(w, i)
    fj_create(sink, i + 1, n)
  end

  # (x * 1103515245 + 12345) band 0x7fffffff as in the other implementations (x is never negative)
  defp lcg_next(x), do: rem(x * 1_103_515_245 + 12345, 2_147_483_648)

  defp big_start(sink, id, n, all) do
    seed = big_ping(id, id, all)
    big_loop(sink, id, n, all, seed, 1)
  end

  defp big_ping(id, seed0, all) do
    seed = lcg_next(seed0)
    to0 = rem(seed, 120)
    to = if to0 == id, do: rem(to0 + 1, 120), else: to0
    send(elem(all, to), {:ping, id})
    seed
  end

  defp big_loop(sink, id, n, all, seed, sent) do
    receive do
      {:ping, from} ->
        send(elem(all, from), id)
        big_loop(sink, id, n, all, seed, sent)

      pong when is_integer(pong) ->
        if sent < n do
          big_loop(sink, id, n, all, big_ping(id, seed, all), sent + 1)
        else
          send(sink, sent)
          big_loop(sink, id, n, all, seed, sent)
        end

      :stop ->
        :ok
    end
  end

  defp link_tree(host, i, n) do
    for c <- (10 * i + 1)..(10 * i + 10), c < n, do: spawn_link(fn -> link_tree(host, c, n) end)
    send(host, :ready)

    receive do
      _ -> :ok
    end
  end

  defp collect_ready(0), do: :ok

  defp collect_ready(k) do
    receive do
      :ready -> collect_ready(k - 1)
    end
  end

  defp wait_count_at_most(count) do
    if :erlang.system_info(:process_count) > count do
      receive do
      after
        1 -> :ok
      end

      wait_count_at_most(count)
    else
      :ok
    end
  end

  defp spawn_empty(0), do: :ok

  defp spawn_empty(k) do
    spawn(fn -> :ok end)
    spawn_empty(k - 1)
  end

  defp drain_backlog(10000, sum), do: sum

  defp drain_backlog(i, sum) do
    receive do
      {:junk, v} -> drain_backlog(i + 1, sum + if(v == i, do: v, else: -1_000_000_000))
    end
  end
end
