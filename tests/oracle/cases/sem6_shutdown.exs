# SEMANTICS 6.1, 6.2, 6.5, 6.10: shutdown values, defaults, significant children and auto_shutdown.
defmodule Slow do
  use GenServer
  def start_link({name, delay}), do: GenServer.start_link(__MODULE__, {name, delay}, name: name)
  def init({name, delay}) do
    Process.flag(:trap_exit, true)
    {:ok, {name, delay}}
  end
  def terminate(reason, {name, delay}) do
    send(:log, {:terminating, name, reason})
    :timer.sleep(delay)
    send(:log, {:terminated, name})
  end
end

defmodule Case do
  def drain(acc) do
    receive do
      m -> drain([m | acc])
    after
      100 -> Enum.reverse(acc)
    end
  end

  def run do
    Process.register(self(), :log)
    IO.inspect Supervisor.child_spec({Slow, {:x, 0}}, []), label: "6.1 default spec"
    IO.inspect Supervisor.child_spec({Slow, {:x, 0}}, restart: :transient, shutdown: 10), label: "6.1 overrides"
    {:ok, {flags, _}} = Supervisor.init([], strategy: :one_for_one)
    IO.inspect flags, label: "6.2 flags"

    children = [
      Supervisor.child_spec({Slow, {:fast, 0}}, id: :fast),
      Supervisor.child_spec({Slow, {:slow, 300}}, id: :slow, shutdown: 50),
      Supervisor.child_spec({Slow, {:brutal, 0}}, id: :brutal, shutdown: :brutal_kill)
    ]
    {:ok, sup} = Supervisor.start_link(children, strategy: :one_for_one)
    ref = Process.monitor(Process.whereis(:slow))
    Supervisor.stop(sup)
    IO.inspect drain([]), label: "6.4/6.5 stop order and shutdown"
    receive do
      {:DOWN, ^ref, :process, _, reason} -> IO.inspect reason, label: "6.5 slow child killed after timeout"
    after
      0 -> IO.puts "no DOWN"
    end
  end
end

Case.run()
