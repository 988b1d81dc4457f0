# Seed 001: monitoring a process that raises after a sleep.
# (wrapped in a module: OTP 25 fails to compile this receive at the top level of a script)
defmodule Demo do
  def run do
    pid = spawn(fn ->
      :timer.sleep 500
      raise("Sorry, my friend.")
    end)

    ref = Process.monitor(pid)

    receive do
      {:DOWN, ^ref, :process, ^pid, :normal} ->
        IO.puts "Normal exit from #{inspect pid}"
      {:DOWN, ^ref, :process, ^pid, msg} ->
        :timer.sleep(100)
        IO.puts "Received :DOWN from #{inspect pid}"
        IO.inspect msg
    end
  end
end

Demo.run()
