# Seed 000: links as a death pact, spawn_link vs Process.link, trap_exit, unlinking.
pid = spawn(fn -> :ok end)
:timer.sleep(20)
IO.inspect send(pid, :hello)

defmodule Crashy do
  def run do
    Process.flag(:trap_exit, true)
    spawn_link(Crashy, :splode, [])

    receive do
      {signal, pid, msg} ->
        IO.inspect signal
        IO.inspect is_pid(pid)
        IO.inspect msg
    end
  end

  def splode do
    exit :kaboom
  end
end

Crashy.run()

# The article's console session, run in a fresh process (a script's main process has links of its own).
console = fn ->
  IO.inspect Process.info(self(), :links)
  spawn_link(fn -> IO.inspect(length(elem(Process.info(self(), :links), 1))) end)
  :timer.sleep(50)

  me = self()
  pid = spawn_link(fn -> receive do :crash -> exit :wheres_the_kaboom end end)
  {:links, links} = Process.info(self(), :links)
  IO.inspect links == [pid]
  IO.inspect Process.unlink(pid)
  IO.inspect send(pid, :crash)
  :timer.sleep(50)
  IO.inspect self() == me
  IO.inspect Process.info(self(), :links)
  IO.inspect Process.alive?(pid)
end
defmodule Wait do
  def down(fun) do
    {pid, ref} = spawn_monitor(fun)
    receive do
      {:DOWN, ^ref, :process, ^pid, reason} -> IO.inspect reason, label: "console exited"
    end
  end
end
Wait.down(console)
