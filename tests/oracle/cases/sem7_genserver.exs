# SEMANTICS 7.1-7.6: GenServer call/cast/terminate/init results, Task, Agent.
defmodule Server do
  use GenServer
  def init(:ignore), do: :ignore
  def init({:stop, r}), do: {:stop, r}
  def init(state), do: {:ok, state}
  def handle_call(:get, _from, s), do: {:reply, s, s}
  def handle_call(:slow, _from, s) do
    :timer.sleep(200)
    {:reply, :late, s}
  end
  def handle_call({:die, r}, _from, s), do: {:stop, r, s}
  def handle_call({:stop_reply, r}, _from, s), do: {:stop, r, :bye, s}
  def handle_cast({:set, v}, _s), do: {:noreply, v}
  def handle_info(msg, s) do
    send(:log, {:info, msg})
    {:noreply, s}
  end
  def terminate(reason, _s) do
    send(:log, {:terminate, reason})
    :ok
  end
end

defmodule Case do
  def drain(acc) do
    receive do
      m -> drain([m | acc])
    after
      50 -> Enum.reverse(acc)
    end
  end

  def run do
    Process.register(self(), :log)
    {:ok, s} = GenServer.start_link(Server, 1)
    IO.inspect GenServer.call(s, :get), label: "7.1 call"
    IO.inspect GenServer.cast(s, {:set, 2}), label: "7.2 cast"
    IO.inspect GenServer.call(s, :get), label: "7.2 after cast"
    r = try do
      GenServer.call(s, :slow, 50)
    catch
      :exit, reason -> reason
    end
    IO.inspect r, label: "7.1 timeout"
    :timer.sleep(250)
    IO.inspect Process.alive?(s), label: "7.1 server keeps running"
    drain([])
    send(s, :hello)
    IO.inspect drain([]), label: "7.3 handle_info"
    dead = spawn(fn -> :ok end)
    :timer.sleep(20)
    r = try do
      GenServer.call(dead, :get)
    catch
      :exit, reason -> reason
    end
    IO.inspect r, label: "7.1 noproc"
    IO.inspect GenServer.cast(dead, :x), label: "7.2 cast to dead"
    {:ok, s2} = GenServer.start(Server, 5)
    r = try do
      GenServer.call(s2, {:die, :normal})
    catch
      :exit, reason -> reason
    end
    IO.inspect r, label: "7.1 server died during call"
    IO.inspect drain([]), label: "7.4 terminate on stop tuple"
    {:ok, s3} = GenServer.start(Server, 5)
    IO.inspect GenServer.call(s3, {:stop_reply, :normal}), label: "stop with reply"
    IO.inspect drain([]), label: "7.4 terminate"
    IO.inspect GenServer.start_link(Server, :ignore), label: "7.5 ignore"
    IO.inspect GenServer.start(Server, {:stop, :no}), label: "7.5 stop unlinked"
    Process.flag(:trap_exit, true)
    IO.inspect GenServer.start_link(Server, {:stop, :no_linked}), label: "7.5 stop linked trapping"
    IO.inspect drain([]), label: "7.5 exit message"
    Process.flag(:trap_exit, false)
    IO.inspect GenServer.stop(s), label: "stop"
    IO.inspect drain([]), label: "7.4 terminate on stop"

    t = Task.async(fn -> 6 * 7 end)
    IO.inspect Task.await(t), label: "7.6 Task.await"
    t = Task.async(fn -> :timer.sleep(300) end)
    r = try do
      Task.await(t, 50)
    catch
      :exit, {reason, {Task, :await, [_, timeout]}} -> {reason, timeout}
    end
    IO.inspect r, label: "7.6 await timeout"

    {:ok, a} = Agent.start_link(fn -> 0 end)
    Agent.update(a, fn x -> x + 5 end)
    IO.inspect Agent.get(a, fn x -> x * 2 end), label: "Agent"
    IO.inspect Agent.get_and_update(a, fn x -> {x, x + 1} end), label: "Agent get_and_update"
    IO.inspect Agent.get(a, & &1), label: "Agent state"
    Agent.stop(a)
    IO.inspect Process.alive?(a), label: "Agent stopped"
  end
end

Case.run()
