# Seed 004: normal, kill and other exit signals; trapping; a process exiting itself with :normal.
p = spawn(fn -> receive do :never -> :ok end end)
Process.exit(p, :normal)
:timer.sleep(20)
IO.inspect Process.alive?(p), label: "alive after :normal"
Process.exit(p, :boom)
:timer.sleep(20)
IO.inspect Process.alive?(p), label: "alive after :boom"

t = spawn(fn ->
  Process.flag(:trap_exit, true)
  receive do
    {:EXIT, _from, reason} -> IO.inspect reason, label: "trapped"
  end
  receive do
    {:EXIT, _from, reason} -> IO.inspect reason, label: "trapped"
  end
  receive do :never -> :ok end
end)
:timer.sleep(20)
Process.exit(t, :normal)
Process.exit(t, :custom)
:timer.sleep(20)
IO.inspect Process.alive?(t), label: "trapper alive"
ref = Process.monitor(t)
Process.exit(t, :kill)
receive do
  {:DOWN, ^ref, :process, _, reason} -> IO.inspect reason, label: "killed trapper"
end

s = spawn(fn ->
  receive do :go -> :ok end
  Process.exit(self(), :normal)
  IO.puts "not printed"
end)
ref = Process.monitor(s)
send(s, :go)
receive do
  {:DOWN, ^ref, :process, _, reason} -> IO.inspect reason, label: "self normal"
end

Process.flag(:trap_exit, true)
c = spawn_link(fn -> :ok end)
receive do
  {:EXIT, ^c, reason} -> IO.inspect reason, label: "normal exit seen by trapper"
end
