# spawn and spawn_link with a fun that takes arguments: the spawn succeeds and the new process fails at its initial
# apply with a BadArityError; spawn_monitor refuses such a fun; an apply of the wrong arity inside running code fails
# where it is called.
defmodule Watch do
  def exit(pid) do
    receive do
      {:EXIT, ^pid, {{:badarity, {f, args}}, [frame | _]}} -> {is_function(f, 1), args, frame}
    end
  end
end

Process.flag(:trap_exit, true)
pid = spawn_link(fn x -> x end)
IO.inspect(is_pid(pid))
IO.inspect(Watch.exit(pid))
try do
  spawn_monitor(fn x -> x end)
rescue
  e in ArgumentError -> IO.puts(e.message)
end
:timer.sleep(50)

f = fn x -> x end
try do
  apply(f, [])
catch
  :error, {:badarity, {_, args}} -> IO.inspect({:caught, args, elem(hd(__STACKTRACE__), 0)})
end
