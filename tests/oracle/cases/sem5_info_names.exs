# SEMANTICS 5.1-5.2: Process.info and registered names.
defmodule Case do
  def idle, do: receive(do: (:stop -> :ok))

  def run do
    me = self()
    p = spawn(fn -> receive do :never -> :ok end end)
    send(p, :one)
    send(p, {:two, 2})
    :timer.sleep(20)
    IO.inspect Process.info(p, :message_queue_len), label: "5.1 queue len"
    IO.inspect Process.info(p, :messages), label: "5.1 messages"
    IO.inspect Process.info(p, :status), label: "5.1 status"
    IO.inspect Process.info(self(), :status), label: "5.1 self status"
    IO.inspect Process.info(p, :trap_exit), label: "5.1 trap_exit"
    IO.inspect Process.info(p, :registered_name), label: "5.1 no name"
    IO.inspect Process.info(p, :links), label: "5.1 links"
    {:memory, m} = Process.info(p, :memory)
    IO.inspect is_integer(m), label: "5.1 memory"
    Process.exit(p, :kill)
    :timer.sleep(20)
    IO.inspect Process.info(p, :links), label: "5.1 dead"

    q = spawn(&idle/0)
    IO.inspect Process.register(q, :worker), label: "5.2 register"
    IO.inspect Process.whereis(:worker) == q, label: "5.2 whereis"
    IO.inspect Process.info(q, :registered_name), label: "5.2 registered_name"
    r = try do
      Process.register(spawn(&idle/0), :worker)
    rescue
      e -> e.__struct__
    end
    IO.inspect r, label: "5.2 name taken"
    r = try do
      Process.register(q, :other)
    rescue
      e -> e.__struct__
    end
    IO.inspect r, label: "5.2 pid already named"
    send(:worker, :stop)
    :timer.sleep(20)
    IO.inspect Process.whereis(:worker), label: "5.2 released"
    IO.inspect Process.register(spawn(&idle/0), :worker), label: "5.2 reusable"
    IO.inspect Process.unregister(:worker), label: "5.2 unregister"
    IO.inspect Process.whereis(:worker), label: "5.2 gone"
    _ = me
  end
end

Case.run()
