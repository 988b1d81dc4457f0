# Lesson 1: links, trapping exits and monitors.
# ---
# Sending to a pid never fails, even when the process is gone: dead processes tell no tales.
pid = spawn(fn -> :ok end)
# ---
send(pid, :hello)
# expect: :hello
# ---
# The world's most useless GenServer.
defmodule Useless do
  use GenServer

  def start_link(_) do
    GenServer.start_link(__MODULE__, [])
  end

  def init(_), do: {:ok, []}
end
# ---
# Note the shell's pid, start Useless (it links to the shell) and kill it: the shell dies with it.
shell = self()
# ---
{:ok, pid} = Useless.start_link([])
# expect: {:ok, #PID<
# ---
Process.exit(pid, :kill)
# expect: shell process exited with reason: killed
# ---
# A new shell was started: self() is a different pid now.
self() == shell
# expect: false
# ---
# spawn_link/1 spawns and links atomically. The crash takes the shell with it.
pid = spawn_link(fn -> receive do :crash -> 1 / 0 end end)
# ---
send(pid, :crash)
# expect: ** (ArithmeticError) bad argument in arithmetic expression
# ---
# spawn_link/3 does the same with a module, function and arguments.
defmodule Crashy do
  def run do
    receive do
      :crash -> 1 / 0
    end
  end
end
# ---
pid = spawn_link(Crashy, :run, [])
# ---
send pid, :crash
# expect: shell process exited with reason: an exception was raised
# ---
# Process.link/1 links an existing process.
pid = spawn(fn -> receive do :crash -> raise "boom" end end)
# ---
Process.link(pid)
# expect: true
# ---
send pid, :crash
# expect: ** (RuntimeError) boom
# ---
# Trapping exits turns exit signals into {:EXIT, from, reason} messages.
defmodule Crashy do
  def run do
    Process.flag(:trap_exit, true)
    spawn_link(Crashy, :splode, [])

    receive do
      {signal, pid, msg} ->
        IO.inspect signal
        IO.inspect pid
        IO.inspect msg
    end
  end

  def splode do
    exit :kaboom
  end
end
# ---
Crashy.run
# expect: :EXIT
# expect: :kaboom
# ---
# The console's links: none yet.
Process.info(self(), :links)
# expect: {:links, []}
# ---
spawn_link(fn -> IO.inspect Process.info(self(), :links) end)
# expect: {:links, [#PID<
# ---
# Unlinking: afterwards the crash no longer concerns us.
pid = spawn_link(fn -> receive do :crash -> exit :wheres_the_kaboom end end)
# ---
Process.info(self(), :links)
# expect: {:links, [#PID<
# ---
Process.unlink(pid)
# expect: true
# ---
send(pid, :crash)
# expect: :crash
# ---
Process.info(self(), :links)
# expect: {:links, []}
# ---
# Monitors are one-way: we are told about the death, we do not die.
{pid, ref} = spawn_monitor(fn -> receive do :crash -> exit :kaboom end end)
# expect: {#PID<
# ---
send(pid, :crash)
# ---
flush()
# expect: {:DOWN, #Reference<
# expect: :kaboom}
# ---
defmodule Crashy do
  def run do
    receive do
      :crash -> exit :kaboom
    end
  end
end
# ---
{pid, ref} = spawn_monitor(Crashy, :run, [])
# ---
send(pid, :crash)
# ---
flush()
# expect: :process, #PID<
# ---
pid = spawn(fn -> receive do :add -> IO.puts 1 + 2 end end)
# ---
ref = Process.monitor(pid)
# expect: #Reference<
# ---
send(pid, :add)
# expect: 3
# ---
flush()
# expect: :normal}
# ---
# Who monitors whom.
pid = spawn(fn -> receive do :doit -> IO.puts "did it" end end)
# ---
ref = Process.monitor(pid)
# ---
Process.info(self(), :monitors)
# expect: {:monitors, [process: #PID<
# ---
Process.info(pid, :monitored_by)
# expect: {:monitored_by, [#PID<
# ---
Process.demonitor(ref)
# expect: true
# ---
Process.info(self(), :monitors)
# expect: {:monitors, []}
# ---
Process.info(pid, :monitored_by)
# expect: {:monitored_by, []}
