# SEMANTICS 2.1-2.6: links.
defmodule Case do
  def drain(acc) do
    receive do
      m -> drain([m | acc])
    after
      0 -> Enum.reverse(acc)
    end
  end

  def idle, do: receive(do: (:stop -> :ok))

  def run do
    Process.flag(:trap_exit, true)
    a = spawn(&idle/0)
    IO.inspect Process.link(a), label: "2.1 link"
    IO.inspect Process.link(a), label: "2.1 link again"
    {:links, links} = Process.info(a, :links)
    IO.inspect length(links), label: "2.1 one link per pair"
    IO.inspect Process.link(self()), label: "2.1 link self"
    send(a, :stop)
    receive do
      {:EXIT, ^a, r} -> IO.inspect r, label: "2.1 normal exit trapped"
    end

    p = spawn_link(fn -> exit(:early) end)
    receive do
      {:EXIT, ^p, r} -> IO.inspect r, label: "2.2 spawn_link atomic"
    end

    dead = spawn(fn -> :ok end)
    :timer.sleep(20)
    IO.inspect Process.link(dead), label: "2.4 trapping link to dead"
    receive do
      {:EXIT, ^dead, r} -> IO.inspect r, label: "2.4 noproc exit"
    end
    Process.flag(:trap_exit, false)
    r =
      try do
        Process.link(dead)
      catch
        kind, reason -> {kind, reason}
      end
    IO.inspect r, label: "2.4 non-trapping link to dead"
    Process.flag(:trap_exit, true)

    b = spawn_link(&idle/0)
    IO.inspect Process.unlink(b), label: "2.5 unlink"
    IO.inspect Process.unlink(b), label: "2.5 unlink again"
    Process.exit(b, :kill)
    :timer.sleep(20)
    IO.inspect drain([]), label: "2.5 no exit after unlink"

    parent = self()
    c = spawn(fn ->
      receive do :boom -> exit(:boom) end
    end)
    bb = spawn(fn ->
      Process.link(c)
      send(parent, :linked_b)
      idle()
    end)
    receive do :linked_b -> :ok end
    aa = spawn(fn ->
      Process.link(bb)
      send(parent, :linked_a)
      idle()
    end)
    receive do :linked_a -> :ok end
    Process.link(aa)
    send(c, :boom)
    receive do
      {:EXIT, ^aa, r} -> IO.inspect r, label: "2.6 chain propagated"
    end
    IO.inspect {Process.alive?(aa), Process.alive?(bb), Process.alive?(c)}, label: "2.6 all dead"

    n = spawn(fn -> receive do :go -> :ok end end)
    w = spawn(fn -> Process.link(n); send(parent, :ok); idle() end)
    receive do :ok -> :ok end
    send(n, :go)
    :timer.sleep(20)
    IO.inspect Process.alive?(w), label: "2.6 normal exit kills nobody"
  end
end

Case.run()
