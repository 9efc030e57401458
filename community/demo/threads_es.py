"""Hilos de la comunidad en español."""

from .specs import DISCUSSION, QUESTION, Reply, ThreadSpec, md

THREADS = (
    ThreadSpec(
        space="comunidad-es",
        kind=QUESTION,
        title="¿Cómo programo un informe semanal en PDF para dirección?",
        author="lucia",
        days_ago=49,
        tags=("informes", "pdf-export"),
        views=214,
        body=md("""
            Hola a todos. Mi jefa quiere recibir cada lunes a las 8:00 el cuadro de mando de
            ventas en PDF, pero solo con los datos de la semana anterior. He visto la opción
            de **Compartir → Programar**, pero no encuentro cómo fijar el rango de fechas
            para el envío sin cambiar el filtro del panel para todo el equipo.

            ¿Alguien lo tiene montado así?
        """),
        replies=(
            Reply(
                author="sam",
                hours=3,
                official=True,
                accepted=True,
                likes=("lucia", "diego"),
                helpful=("lucia", "diego"),
                body=md("""
                    ¡Hola, Lucía! Cada programación guarda sus propios filtros, así que no
                    tocas el panel del equipo:

                    1. En **Compartir → Programar**, elige *Semanal*, lunes, 08:00 y la zona
                       horaria *Europe/Madrid*.
                    2. Pulsa **Filtros del envío** y selecciona *Semana anterior* en el filtro
                       de fecha.
                    3. En *Formato*, marca **PDF (A4 horizontal)** si el panel tiene tres
                       columnas.

                    Puedes usar **Enviar prueba ahora** para ver cómo llega antes del lunes.
                """),
            ),
            Reply(
                author="lucia",
                hours=5,
                body="¡Perfecto! No había visto lo de «Filtros del envío». Prueba enviada y "
                "mi jefa encantada. Gracias, Sam.",
            ),
        ),
    ),
    ThreadSpec(
        space="comunidad-es",
        kind=QUESTION,
        title="Error al conectar MySQL: «Access denied for user 'lumen'@'10.0.3.15'»",
        author="diego",
        days_ago=35,
        tags=("mysql", "conectores"),
        views=167,
        body=md("""
            Estoy configurando el conector de MySQL para la base de datos de facturación y
            la prueba de conexión falla con:

            ```
            (1045, "Access denied for user 'lumen'@'10.0.3.15' (using password: YES)")
            ```

            La contraseña es correcta: con el mismo usuario entro sin problema desde mi
            portátil con DBeaver. ¿Qué puede ser?
        """),
        replies=(
            Reply(
                author="lucia",
                hours=2,
                accepted=True,
                likes=("diego", "sam"),
                helpful=("diego",),
                body=md("""
                    En MySQL un usuario es usuario **y** host. Seguramente creasteis
                    `'lumen'@'localhost'` o `'lumen'@'192.168.%'`, y la conexión de Lumen
                    llega desde otra dirección (la del túnel, `10.0.3.15`). Prueba:

                    ```sql
                    CREATE USER 'lumen'@'10.0.3.%' IDENTIFIED BY '...';
                    GRANT SELECT ON facturacion.* TO 'lumen'@'10.0.3.%';
                    ```

                    Solo `SELECT`: Lumen no necesita escribir nada.
                """),
            ),
            Reply(
                author="diego",
                hours=4,
                body="Era eso: el usuario estaba creado solo para la red de la oficina. "
                "Ya sincroniza. ¡Mil gracias, Lucía!",
            ),
            Reply(
                author="sam",
                hours=7,
                official=True,
                likes=("lucia",),
                body=md("""
                    Gracias, @lucia, respuesta de manual. Un detalle más: si usáis MySQL 8 y
                    el error cambia a `caching_sha2_password`, activad **SSL** en la pestaña
                    *Avanzado* del conector; ese método de autenticación lo exige.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="comunidad-es",
        kind=DISCUSSION,
        title="¿Alguien usa Lumen con datos de Shopify? Comparto mi panel de cohortes",
        author="lucia",
        days_ago=23,
        tags=("shopify", "cohortes"),
        views=188,
        likes=("diego", "sam", "alice"),
        body=md("""
            Llevo unos meses analizando la recurrencia de clientes de nuestra tienda y me ha
            quedado un panel que me gusta bastante:

            - **Cohortes por mes de primera compra**, con el porcentaje que repite a 30, 60
              y 90 días.
            - **Ticket medio** de la primera compra frente a la segunda.
            - Un filtro por canal (orgánico, Instagram, newsletter).

            ¿Qué métricas de e-commerce miráis vosotros? Me interesa sobre todo cómo
            calculáis el valor de vida del cliente sin inflarlo.
        """),
        replies=(
            Reply(
                author="diego",
                hours=6,
                likes=("lucia",),
                body=md("""
                    No es e-commerce, pero en las clínicas calculamos el valor de vida solo
                    con margen, no con facturación, y cortamos a 24 meses. Si no, los
                    números salen preciosos y no sirven para decidir nada.
                """),
            ),
            Reply(
                author="lucia",
                hours=9,
                reply_to=2,
                quote="cortamos a 24 meses",
                body=md("""
                    Muy buena idea, @diego. Lo pruebo con 12 y 24 a ver cuánto cambia.
                """),
            ),
        ),
    ),
    ThreadSpec(
        space="comunidad-es",
        kind=QUESTION,
        title="Los decimales salen con punto en lugar de coma en los informes",
        author="diego",
        days_ago=8,
        tags=("formato", "idioma"),
        views=58,
        body=md("""
            Tengo la cuenta en español, pero en los informes PDF los importes salen como
            `1,234.50 €` en vez de `1.234,50 €`. En pantalla se ven bien. ¿Dónde se cambia
            el formato de números para los envíos programados?
        """),
        replies=(
            Reply(
                author="lucia",
                hours=12,
                body=md("""
                    A mí me pasaba lo mismo. Creo que los envíos usan el idioma de quien
                    *creó* la programación, no el de quien lo recibe. ¿La creó alguien con la
                    cuenta en inglés? Yo la volví a crear y se arregló, aunque no sé si es la
                    solución buena.
                """),
            ),
        ),
    ),
)
