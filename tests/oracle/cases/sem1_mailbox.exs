# SEMANTICS 1.1-1.5: FIFO mailbox, selective receive, after, send never fails, per-pair ordering.
defmodule Case do
  def drain(acc) do
    receive do
      m -> drain([m | acc])
    after
      0 -> Enum.reverse(acc)
    end
  end

  def run do
    send(self(), :a)
    send(self(), :b)
    IO.inspect drain([]), label: "1.1 fifo"

    send(self(), :a); send(self(), :b); send(self(), :c)
    receive do
      :b -> IO.puts "1.2 got b"
    end
    IO.inspect drain([]), label: "1.2 left"

    r = receive do
      :x -> :x
    after
      0 -> :nothing
    end
    IO.inspect r, label: "1.3 after 0"
    send(self(), :keep)
    receive do
    after
      10 -> :ok
    end
    IO.inspect drain([]), label: "1.3 after-only consumes nothing"
    r = receive do
      :x -> :x
    after
      30 -> :timeout
    end
    IO.inspect r, label: "1.3 after 30"

    dead = spawn(fn -> :ok end)
    :timer.sleep(20)
    IO.inspect send(dead, :hello), label: "1.4 send to dead"
    r =
      try do
        send(:no_such_name, :hello)
      rescue
        e in ArgumentError -> {:rescued, e.__struct__}
      end
    IO.inspect r, label: "1.4 send to unregistered name"

    parent = self()
    b = spawn(fn ->
      Process.flag(:trap_exit, true)
      send(parent, :ready)
      receive do :go -> :ok end
      send(parent, {:queue, drain([])})
    end)
    receive do :ready -> :ok end
    send(b, :m1)
    Process.exit(b, :foo)
    send(b, :m2)
    send(b, :go)
    receive do
      {:queue, q} -> IO.inspect q == [:m1, {:EXIT, self(), :foo}, :m2], label: "1.5 ordered with exit signal"
    end

    Process.flag(:trap_exit, true)
    p = spawn_link(fn ->
      send(parent, :m1)
      send(parent, :m2)
      exit(:bye)
    end)
    ref = Process.monitor(p)
    :timer.sleep(50)
    q = drain([])
    IO.inspect q == [:m1, :m2, {:EXIT, p, :bye}, {:DOWN, ref, :process, p, :bye}], label: "1.5 link exit before DOWN"
  end
end

Case.run()
