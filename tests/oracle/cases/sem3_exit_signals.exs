# SEMANTICS 3.1-3.7: exit signals.
defmodule Case do
  def idle, do: receive(do: (:stop -> :ok))
  def add(x), do: x + 1

  def watch(pid) do
    ref = Process.monitor(pid)
    receive do
      {:DOWN, ^ref, :process, ^pid, r} -> r
    after
      200 -> :still_alive
    end
  end

  def trapper(parent) do
    spawn(fn ->
      Process.flag(:trap_exit, true)
      send(parent, {:trapping, self()})
      loop(parent)
    end)
  end

  def loop(parent) do
    receive do
      m -> send(parent, {:got, m})
    end
    loop(parent)
  end

  def run do
    me = self()
    p = spawn(&idle/0)
    Process.exit(p, :normal)
    IO.inspect watch(p), label: "3.1 normal to non-trapping"
    Process.exit(p, :stop_it)
    IO.inspect watch(p), label: "3.5 other reason kills"

    t = trapper(me)
    receive do {:trapping, ^t} -> :ok end
    Process.exit(t, :normal)
    receive do
      {:got, {:EXIT, from, r}} -> IO.inspect {from == me, r}, label: "3.1 trapped normal"
    end
    Process.exit(t, :shutdown)
    receive do
      {:got, {:EXIT, _, r}} -> IO.inspect r, label: "3.5 trapped shutdown"
    end
    Process.exit(t, {:shutdown, :x})
    receive do
      {:got, {:EXIT, _, r}} -> IO.inspect r, label: "3.5 trapped {:shutdown, _}"
    end
    Process.exit(t, :kill)
    IO.inspect watch(t), label: "3.3 kill cannot be trapped"

    s = spawn(fn ->
      Process.flag(:trap_exit, true)
      Process.exit(self(), :normal)
      receive do
        m -> send(me, {:self_normal, m})
      end
    end)
    receive do
      {:self_normal, {:EXIT, ^s, :normal}} -> IO.puts "3.2 trapping process gets its own normal exit"
    end

    k = spawn(fn -> exit(:kill) end)
    IO.inspect watch(k), label: "3.4 exit(:kill) reason"

    Process.flag(:trap_exit, true)
    kk = spawn_link(fn -> receive do :go -> exit(:kill) end end)
    send(kk, :go)
    receive do
      {:EXIT, ^kk, r} -> IO.inspect r, label: "3.4 trapped :kill over a link"
    end
    Process.flag(:trap_exit, false)

    v = spawn(&idle/0)
    l = spawn(fn -> Process.link(v); send(me, :ok); idle() end)
    receive do :ok -> :ok end
    Process.exit(v, :kill)
    IO.inspect watch(l), label: "3.3 linked sees killed"

    e = spawn(fn -> exit(:my_reason) end)
    IO.inspect watch(e), label: "3.6 exit/1"
    r =
      try do
        exit(:caught)
      catch
        :exit, reason -> {:caught_exit, reason}
      end
    IO.inspect r, label: "3.6 exit is catchable"
    b = spawn(fn -> Case.add(:a) end)
    {reason, [frame | _]} = watch(b)
    IO.inspect {reason, elem(frame, 0)}, label: "3.6 badarith"
    rr = spawn(fn -> raise "x" end)
    {ex, _} = watch(rr)
    IO.inspect ex, label: "3.6 raise"
    IO.inspect Process.exit(e, :whatever), label: "3.6 exit to dead"
  end
end

Case.run()
:timer.sleep(100)
