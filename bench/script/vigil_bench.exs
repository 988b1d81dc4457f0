# The message-passing workloads of bench/engine_bench.cpp as scripted (Elixir) processes. bench/script_bench.cpp
# loads this file, appends `VigilBench.main(:workload, n)` and runs it on Vigil's script runtime with 2 workers.
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

  defp drain_backlog(10000, sum), do: sum

  defp drain_backlog(i, sum) do
    receive do
      {:junk, v} -> drain_backlog(i + 1, sum + if(v == i, do: v, else: -1_000_000_000))
    end
  end
end
