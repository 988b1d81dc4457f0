# Seed 000: monitors, spawn_monitor, demonitor, Process.info monitors/monitored_by.
# (wrapped in a module: OTP 25 fails to compile this receive at the top level of a script)
defmodule Crashy do
  def run do
    receive do
      :crash -> exit :kaboom
    end
  end
end
defmodule Demo do
  def run do
    {pid, ref} = spawn_monitor(fn -> receive do :crash -> exit :kaboom end end)
    send(pid, :crash)
    receive do
      {:DOWN, ^ref, :process, ^pid, reason} -> IO.inspect reason, label: "DOWN"
    end


    {pid, ref} = spawn_monitor(Crashy, :run, [])
    send(pid, :crash)
    receive do
      {:DOWN, ^ref, :process, ^pid, reason} -> IO.inspect reason, label: "DOWN mfa"
    end

    pid = spawn(fn -> receive do :add -> IO.puts 1 + 2 end end)
    ref = Process.monitor(pid)
    send(pid, :add)
    receive do
      {:DOWN, ^ref, :process, ^pid, reason} -> IO.inspect reason, label: "DOWN add"
    end

    pid = spawn(fn -> receive do :doit -> IO.puts "did it" end end)
    ref = Process.monitor(pid)
    {:monitors, [process: p]} = Process.info(self(), :monitors)
    IO.inspect p == pid
    {:monitored_by, [w]} = Process.info(pid, :monitored_by)
    IO.inspect w == self()
    IO.inspect Process.demonitor(ref)
    IO.inspect Process.info(self(), :monitors)
    IO.inspect Process.info(pid, :monitored_by)
    send(pid, :doit)
    :timer.sleep(50)
  end
end

Demo.run()
