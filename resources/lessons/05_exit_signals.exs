# Lesson 5: exit signals — normal, kill and other reasons; trapping.
# ---
pid = spawn(fn -> receive do :never -> :ok end end)
# ---
# A :normal exit signal from another process is ignored by a process that does not trap exits.
Process.exit(pid, :normal)
# ---
Process.alive?(pid)
# expect: true
# ---
# Any other reason kills it.
Process.exit(pid, :boom)
# ---
Process.alive?(pid)
# expect: false
# ---
# A trapping process receives exit signals as messages...
trapper = spawn(fn ->
  Process.flag(:trap_exit, true)
  receive do
    {:EXIT, from, reason} -> IO.inspect {:trapped, reason}
  end
  receive do :never -> :ok end
end)
# ---
Process.exit(trapper, :custom)
# expect: {:trapped, :custom}
# ---
# ...but :kill cannot be trapped.
ref = Process.monitor(trapper)
# ---
Process.exit(trapper, :kill)
# ---
flush()
# expect: :killed}
# ---
# A process sending :normal to itself terminates normally.
pid = spawn(fn -> receive do :go -> Process.exit(self(), :normal) end end)
# ---
ref = Process.monitor(pid)
# ---
send(pid, :go)
# ---
flush()
# expect: :normal}
