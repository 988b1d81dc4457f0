# Lesson 3: spawn, send and receive.
# ---
spawn fn -> 1 + 2 end
# expect: #PID<
# ---
pid = spawn fn -> 1 + 2 end
# ---
Process.alive?(pid)
# expect: false
# ---
self()
# expect: #PID<
# ---
Process.alive?(self())
# expect: true
# ---
send self(), {:hello, "world"}
# expect: {:hello, "world"}
# ---
receive do
  {:hello, msg}  -> msg
  {:world, msg} -> "won't match"
end
# expect: "world"
# ---
receive do
  {:hello, msg}  -> msg
after
  1_000 -> "nothing after 1s"
end
# expect: "nothing after 1s"
# ---
parent = self()
# ---
spawn fn -> send(parent, {:hello, self()}) end
# ---
receive do
  {:hello, pid} -> "Got hello from #{inspect pid}"
end
# expect: "Got hello from #PID<
# ---
send self(), :hello
# expect: :hello
# ---
flush()
# expect: :hello
# expect: :ok
# ---
# A failing process is isolated...
spawn fn -> raise "oops" end
# expect: #PID<
# ---
# ...unless it is linked: then the failure reaches the shell.
spawn_link fn -> raise "oops" end
# expect: shell process exited with reason: an exception was raised
