# SEMANTICS 4.1-4.5: monitors.
defmodule Case do
  def idle, do: receive(do: (:stop -> :ok))

  def drain(acc) do
    receive do
      m -> drain([m | acc])
    after
      0 -> Enum.reverse(acc)
    end
  end

  def run do
    p = spawn(&idle/0)
    ref = Process.monitor(p)
    IO.inspect is_reference(ref), label: "4.1 reference"
    send(p, :stop)
    receive do
      {:DOWN, ^ref, :process, ^p, r} -> IO.inspect r, label: "4.1 DOWN"
    end
    :timer.sleep(20)
    IO.inspect drain([]), label: "4.1 exactly once"

    Process.register(spawn(&idle/0), :named)
    ref = Process.monitor(:named)
    send(:named, :stop)
    receive do
      {:DOWN, ^ref, :process, obj, r} -> IO.inspect {obj, r}, label: "4.1 by name"
    end

    ref = Process.monitor(p)
    receive do
      {:DOWN, ^ref, :process, ^p, r} -> IO.inspect r, label: "4.2 dead pid"
    end

    q = spawn(&idle/0)
    ref = Process.monitor(q)
    IO.inspect Process.demonitor(ref), label: "4.3 demonitor"
    send(q, :stop)
    :timer.sleep(20)
    IO.inspect drain([]), label: "4.3 no DOWN after demonitor"

    q = spawn(&idle/0)
    ref = Process.monitor(q)
    send(q, :stop)
    :timer.sleep(20)
    IO.inspect Process.demonitor(ref, [:flush]), label: "4.3 flush"
    IO.inspect drain([]), label: "4.3 flushed"
    q = spawn(&idle/0)
    ref = Process.monitor(q)
    IO.inspect Process.demonitor(ref, [:info]), label: "4.3 info removed"
    IO.inspect Process.demonitor(ref, [:info]), label: "4.3 info again"
    send(q, :stop)

    q = spawn(&idle/0)
    r1 = Process.monitor(q)
    r2 = Process.monitor(q)
    IO.inspect r1 != r2, label: "4.4 two refs"
    send(q, :stop)
    :timer.sleep(20)
    IO.inspect length(drain([])), label: "4.4 two DOWNs"

    me = self()
    target = spawn(&idle/0)
    watcher = spawn(fn -> Process.monitor(target); send(me, :ok); idle() end)
    receive do :ok -> :ok end
    {:monitored_by, mb} = Process.info(target, :monitored_by)
    IO.inspect mb == [watcher], label: "4.5 monitored_by"
    Process.exit(watcher, :kill)
    :timer.sleep(20)
    IO.inspect Process.alive?(target), label: "4.5 target unaffected"
    IO.inspect Process.info(target, :monitored_by), label: "4.5 left monitored_by"
  end
end

Case.run()
